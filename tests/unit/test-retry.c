/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "retry.h"
#include "unit.h"

static unsigned int fired;
static int fire_result;
static bool fired_backup;
static unsigned int fired_want;

static int fire(uint32_t token, const struct sf_addr *local,
		const struct sf_addr *remote, bool backup, unsigned int want,
		void *user_data)
{
	fired++;
	fired_backup = backup;
	fired_want = want;
	ck_assert_uint_eq(token, 7);
	ck_assert_uint_eq(local->port, 0);
	ck_assert_uint_eq(remote->port, 5201);
	return fire_result;
}

static struct sf_addr addr(const char *s, uint16_t port)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse(s, &a), 0);
	a.port = port;
	return a;
}

static void setup(void)
{
	ck_assert(l_main_init());
	fired = 0;
	fire_result = 0;
	fired_want = 0;
}

static void teardown(void)
{
	l_main_exit();
}

START_TEST(delays_double_from_one_second_up_to_the_cap)
{
	ck_assert_uint_eq(sf_retry_delay_ms(1, ECONNRESET), 1000);
	ck_assert_uint_eq(sf_retry_delay_ms(2, ECONNRESET), 2000);
	ck_assert_uint_eq(sf_retry_delay_ms(3, ETIMEDOUT), 4000);
	ck_assert_uint_eq(sf_retry_delay_ms(5, ETIMEDOUT), 16000);
	ck_assert_uint_eq(sf_retry_delay_ms(6, ETIMEDOUT), 30000);
	ck_assert_uint_eq(sf_retry_delay_ms(10, ETIMEDOUT), 30000);
}
END_TEST

START_TEST(an_unreachable_path_is_tried_again_sooner)
{
	ck_assert_uint_eq(sf_retry_delay_ms(1, EHOSTUNREACH), 10);
	ck_assert_uint_eq(sf_retry_delay_ms(2, ENETUNREACH), 100);
	ck_assert_uint_eq(sf_retry_delay_ms(3, EHOSTUNREACH), 200);
	ck_assert_uint_eq(sf_retry_delay_ms(10, EHOSTUNREACH), 25600);
	ck_assert_uint_eq(sf_retry_delay_ms(11, EHOSTUNREACH), 30000);
}
END_TEST

/* The kernel refuses a join with ENOTCONN until the connection is fully
 * established, which can trail its ESTABLISHED event. */
START_TEST(a_join_refused_before_the_connection_was_ready_is_tried_soon)
{
	ck_assert_uint_eq(sf_retry_delay_ms(1, ENOTCONN), 100);
	ck_assert_uint_eq(sf_retry_delay_ms(2, ENOTCONN), 200);
	ck_assert_uint_eq(sf_retry_delay_ms(9, ENOTCONN), 25600);
	ck_assert_uint_eq(sf_retry_delay_ms(10, ENOTCONN), 30000);
}
END_TEST

START_TEST(clean_close_is_not_retried)
{
	struct sf_retry *r = sf_retry_new(fire, NULL);
	struct sf_addr l = addr("10.0.2.1", 40000), rem = addr("10.0.1.2", 5201);

	ck_assert_uint_eq(sf_retry_subflow_closed(r, 7, &l, &rem, false, 1, 0), 0);
	ck_assert_uint_eq(sf_retry_pending(r), 0);
	sf_retry_free(r);
}
END_TEST

START_TEST(closed_with_error_fires_after_the_delay)
{
	struct sf_retry *r = sf_retry_new(fire, NULL);
	struct sf_addr l = addr("10.0.2.1", 40000), rem = addr("10.0.1.2", 5201);
	uint64_t start = l_time_now();

	ck_assert_int_eq(sf_retry_subflow_closed(r, 7, &l, &rem, true, 1,
						 ECONNABORTED), 1000);
	ck_assert_uint_eq(sf_retry_pending(r), 1);
	/* A second close of the same pair while waiting schedules nothing
	 * more, but the pair is to carry both again. */
	ck_assert_int_eq(sf_retry_subflow_closed(r, 7, &l, &rem, true, 2,
						 ECONNABORTED), 0);

	while (!fired && l_time_diff(start, l_time_now()) < 5000000)
		l_main_iterate(100);

	ck_assert_uint_eq(fired, 1);
	ck_assert_uint_eq(fired_want, 2);
	ck_assert(fired_backup);
	ck_assert_uint_ge(l_time_diff(start, l_time_now()), 900000);
	ck_assert_uint_eq(sf_retry_pending(r), 0);

	/* It failed again: the next wait is twice as long. */
	ck_assert_int_eq(sf_retry_subflow_closed(r, 7, &l, &rem, true, 1,
						 ETIMEDOUT), 2000);
	sf_retry_free(r);
}
END_TEST

START_TEST(a_withdrawn_remote_address_is_dropped)
{
	struct sf_retry *r = sf_retry_new(fire, NULL);
	struct sf_addr l = addr("10.0.2.1", 0);
	struct sf_addr rem1 = addr("10.0.1.2", 5201), rem2 = addr("10.0.2.2", 5201);

	sf_retry_subflow_closed(r, 7, &l, &rem1, false, 1, ECONNRESET);
	sf_retry_subflow_closed(r, 7, &l, &rem2, false, 1, ECONNRESET);
	sf_retry_subflow_closed(r, 8, &l, &rem2, false, 1, ECONNRESET);
	sf_retry_remote_gone(r, 7, &rem2);
	ck_assert_uint_eq(sf_retry_pending(r), 2);
	sf_retry_free(r);
}
END_TEST

START_TEST(forgotten_when_connection_or_address_goes)
{
	struct sf_retry *r = sf_retry_new(fire, NULL);
	struct sf_addr l1 = addr("10.0.2.1", 0), l2 = addr("10.0.3.1", 0);
	struct sf_addr rem = addr("10.0.1.2", 5201);

	sf_retry_subflow_closed(r, 7, &l1, &rem, false, 1, ECONNRESET);
	sf_retry_subflow_closed(r, 7, &l2, &rem, false, 1, ECONNRESET);
	sf_retry_subflow_closed(r, 8, &l2, &rem, false, 1, ECONNRESET);
	ck_assert_uint_eq(sf_retry_pending(r), 3);

	sf_retry_addr_gone(r, &l2);
	ck_assert_uint_eq(sf_retry_pending(r), 1);
	sf_retry_conn_closed(r, 7);
	ck_assert_uint_eq(sf_retry_pending(r), 0);
	sf_retry_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("backoff");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, delays_double_from_one_second_up_to_the_cap);
	tcase_add_test(tc, an_unreachable_path_is_tried_again_sooner);
	tcase_add_test(tc,
		a_join_refused_before_the_connection_was_ready_is_tried_soon);
	tcase_add_test(tc, clean_close_is_not_retried);
	tcase_add_test(tc, closed_with_error_fires_after_the_delay);
	tcase_add_test(tc, forgotten_when_connection_or_address_goes);
	tcase_add_test(tc, a_withdrawn_remote_address_is_dropped);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
