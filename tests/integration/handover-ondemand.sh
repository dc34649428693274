#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# handover with [core] standby = on-demand: see handover.sh.
HANDOVER_STANDBY=on-demand
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/handover.sh"
