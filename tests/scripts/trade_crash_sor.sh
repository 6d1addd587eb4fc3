#!/usr/bin/env bash
# trade_crash_sor.sh: the SIGKILL-resume test (trade_crash.sh) with the smart order router over three
# exchange venues (--venue sor), shallow ladders so parents split across venues with ISO children:
# 5 kills, then the final document must equal the uninterrupted run's.
export QC_CRASH_ARGS="--venue sor"
export QC_CRASH_KILLS=5
export QUANTCLI_EXECUTION__VENUES="A:-0.002:0.003:0:2:0.0002,B:-0.001:0.002:250:3:0.0003,C:0.0005:0.001:500:4:0.0003"
exec bash "$(dirname "$0")/trade_crash.sh" "$1"
