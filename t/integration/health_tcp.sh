#!/bin/sh
# health_http.sh with HC_TYPE=tcp (see there).
HC_TYPE=tcp exec "$(dirname "$0")/health_http.sh"
