/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the Check unit tests: run one suite and turn its result into the
 * process exit status automake's test driver reads.
 */
#pragma once

#include <stdlib.h>

#include <check.h>

static inline int sf_unit_run(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
