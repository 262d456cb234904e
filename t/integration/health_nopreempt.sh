#!/bin/sh
# health_http.sh with HC_PREEMPT=no (see there).
HC_PREEMPT=no exec "$(dirname "$0")/health_http.sh"
