#!/bin/sh
# health_http.sh with HC_TYPE=script (see there).
HC_TYPE=script exec "$(dirname "$0")/health_http.sh"
