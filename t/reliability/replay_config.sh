#!/bin/sh
# Replay the config-loader fuzz corpus (and any crash reproducers kept in
# it) through cfg_load_string() under the build's sanitizers (issue 7).
srcdir=${srcdir:-$(dirname "$0")/../..}
exec ./t/fuzz/replay_config "$srcdir/t/fuzz/corpus/config"
