#!/bin/sh
# health_http.sh with HC_PROFILE=fast (see there).
HC_PROFILE=fast exec "$(dirname "$0")/health_http.sh"
