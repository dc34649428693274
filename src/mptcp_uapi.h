/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
#include <linux/mptcp.h>
#ifndef MPTCP_PM_EV_FLAG_SERVER_SIDE
#define MPTCP_PM_EV_FLAG_SERVER_SIDE _BITUL(1)
#define MPTCP_EVENT_LISTENER_CREATED 15
#define MPTCP_EVENT_LISTENER_CLOSED 16
#endif
