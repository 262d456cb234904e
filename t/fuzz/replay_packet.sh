#!/bin/sh
# Replay the packet-parser fuzz corpus (and any crash reproducers kept in
# it) through the parser, under the build's sanitizers.
srcdir=${srcdir:-$(dirname "$0")/../..}
exec ./t/fuzz/replay_packet "$srcdir/t/fuzz/corpus/packet"
