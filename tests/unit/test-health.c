/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The health engine's judgements: good, lossy, slow and stalled from
 * tcp_info samples, the two-sample agreement for a bad state, the state's
 * age for hysteresis, and the bytes counted per interface; the samples
 * kept (as many as the pace puts in the loss window) and a connection's
 * subflows forgotten one by one.
 */
#include <errno.h>

#include "health.h"
#include "unit.h"

/* The defaults of subflowd.conf(5) [quality]. */
static const struct sf_quality_config defaults = {
	.poll_ms = 100,
	.max_loss_percent = 20,
	.max_rtt_ratio = 4,
	.min_rtt_increase_ms = 100,
	.stall_ms = 1000,
	.recover_ms = 2000,
	.worse_rtt_ratio = 5,
	.worse_loss_percent = 10,
	.probe_ms = 3000,
};

static struct sf_health *health;
static struct sf_health_key key;
/* The subflow's counters as the fake kernel moves them. */
static struct sf_subflow_stats st;
static uint64_t now_ms;

static void setup(void)
{
	health = sf_health_new(&defaults);
	key = (struct sf_health_key) { .token = 0x1a2b3c4d };
	ck_assert_int_eq(sf_addr_parse("10.0.1.1", &key.local), 0);
	ck_assert_int_eq(sf_addr_parse("10.0.1.2", &key.remote), 0);
	key.local.port = 40000;
	key.remote.port = 5201;
	st = (struct sf_subflow_stats) {
		.rtt_us = 2000,
		.min_rtt_us = 1000,
	};
	now_ms = 1000;
}

static void teardown(void)
{
	sf_health_free(health);
	health = NULL;
}

/* ms later, the subflow sent segs segments, retrans of them again. */
static void step_ms(unsigned int ms, uint32_t segs, uint32_t retrans)
{
	now_ms += ms;
	st.segs_out += segs;
	st.total_retrans += retrans;
	st.bytes_sent += segs * 1448ull;
	st.bytes_acked += (segs - retrans) * 1448ull;
	sf_health_sample(health, &key, 3, &st, true, now_ms);
}

/* 200 ms later, the subflow sent segs segments, retrans of them again. */
static void step(uint32_t segs, uint32_t retrans)
{
	step_ms(200, segs, retrans);
}

/* A first sample, then the subflow's first SF_HEALTH_WARMUP_MS, idle. */
static void begin(void)
{
	step(0, 0);
	while (now_ms < 1200 + SF_HEALTH_WARMUP_MS)
		step(0, 0);
}

static struct sf_subflow_health get(void)
{
	struct sf_subflow_health h;

	ck_assert_int_eq(sf_health_get(health, &key, now_ms, &h), 0);
	return h;
}

START_TEST(unknown_until_sampled_then_good_with_traffic)
{
	struct sf_subflow_health h;

	ck_assert_int_eq(sf_health_get(health, &key, now_ms, &h), -ENOENT);

	step(0, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_UNKNOWN);
	step(500, 0);
	h = get();
	ck_assert_int_eq(h.state, SF_HEALTH_GOOD);
	ck_assert_uint_eq(h.loss_permille, 0);
	ck_assert_uint_eq(h.srtt_us, 2000);
	ck_assert_uint_eq(h.min_rtt_us, 1000);
}
END_TEST

START_TEST(sustained_loss_is_lossy_once_two_samples_agree)
{
	begin();
	step(800, 2);
	step(800, 2);
	step(800, 2);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);

	/* 30 % random loss: judged over the last SF_HEALTH_LOSS_SPAN_MS (two
	 * samples here), which holds a good interval at first ... */
	step(300, 90);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	/* ... then lossy ones only: one bad sample is not enough ... */
	step(300, 90);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	ck_assert_uint_eq(get().loss_permille, 300);
	/* ... two in a row are. */
	step(300, 90);
	ck_assert_int_eq(get().state, SF_HEALTH_LOSSY);
	ck_assert_uint_eq(get().state_ms, 0);
}
END_TEST

START_TEST(a_burst_lost_within_one_interval_is_not_lossy)
{
	begin();
	step(800, 0);
	step(800, 0);
	/* A queue overflowed: a third of one interval's segments again. */
	step(800, 270);
	step(800, 0);
	step(800, 0);
	step(800, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
}
END_TEST

START_TEST(one_lossy_sample_between_good_ones_changes_nothing)
{
	begin();
	step(800, 0);
	step(300, 90);
	step(800, 1);
	step(300, 90);
	step(800, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
}
END_TEST

START_TEST(loss_at_the_threshold_is_not_lossy)
{
	begin();
	step(1000, 200);
	step(1000, 200);
	step(1000, 200);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	ck_assert_uint_eq(get().loss_permille, 200);
}
END_TEST

START_TEST(a_quiet_subflow_is_judged_over_several_samples)
{
	begin();
	/* 10 segments per sample: loss is judged once 30 have gone; until
	 * then, retransmissions leave it unjudged, not good. */
	step(10, 5);
	ck_assert_int_eq(get().state, SF_HEALTH_UNKNOWN);
	step(10, 5);
	ck_assert_int_eq(get().state, SF_HEALTH_UNKNOWN);
	step(10, 5);
	step(10, 5);
	ck_assert_int_eq(get().state, SF_HEALTH_LOSSY);
	ck_assert_uint_eq(get().loss_permille, 500);
}
END_TEST

START_TEST(a_young_subflow_is_not_judged_for_loss)
{
	/* Slow start: a burst lost in the first two seconds. */
	step(0, 0);
	step(300, 90);
	step(300, 90);
	step(300, 90);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	ck_assert_uint_eq(get().loss_permille, 300);
}
END_TEST

START_TEST(a_trickle_without_retransmissions_is_good)
{
	begin();
	step(5, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
}
END_TEST

START_TEST(recovery_is_seen_at_once_and_ages)
{
	begin();
	step(300, 90);
	step(300, 90);
	step(300, 90);
	ck_assert_int_eq(get().state, SF_HEALTH_LOSSY);

	step(800, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	ck_assert_uint_eq(get().state_ms, 0);
	step(800, 0);
	step(800, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	ck_assert_uint_eq(get().state_ms, 400);
}
END_TEST

START_TEST(an_idle_subflow_keeps_its_judgement)
{
	begin();
	step(300, 90);
	step(300, 90);
	step(300, 90);
	ck_assert_int_eq(get().state, SF_HEALTH_LOSSY);

	/* Flagged backup: it sends nothing, so nothing new is known. */
	for (int i = 0; i < 20; i++)
		step(0, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_LOSSY);
	ck_assert_uint_ge(get().state_ms, 4000);
}
END_TEST

START_TEST(rtt_far_above_its_own_minimum_is_slow)
{
	begin();
	step(500, 0);

	/* 4x the minimum but only 3 ms above it: a queue, not a problem. */
	st.rtt_us = 4500;
	step(500, 0);
	step(500, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);

	/* 1 Mbit/s behind a deep queue: 400 ms. */
	st.rtt_us = 400000;
	step(50, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	step(50, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_SLOW);

	/* The minimum is the path's own, not what it is now. */
	st.min_rtt_us = 380000;
	step(50, 0);
	ck_assert_uint_eq(get().min_rtt_us, 1000);
	ck_assert_int_eq(get().state, SF_HEALTH_SLOW);
}
END_TEST

START_TEST(no_ack_with_data_in_flight_is_stalled_at_once)
{
	begin();
	step(800, 0);

	st.unacked = 10;
	st.last_ack_recv_ms = 400;
	step(0, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);

	st.last_ack_recv_ms = 1000;
	step(0, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_STALLED);

	/* ACKs again. */
	st.unacked = 2;
	st.last_ack_recv_ms = 0;
	step(400, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
}
END_TEST

START_TEST(two_rtos_in_a_row_are_a_stall)
{
	begin();
	step(800, 0);
	st.unacked = 4;
	st.backoff = 1;
	step(1, 1);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	st.backoff = 2;
	step(1, 1);
	ck_assert_int_eq(get().state, SF_HEALTH_STALLED);
}
END_TEST

START_TEST(thresholds_follow_the_config)
{
	struct sf_quality_config strict = defaults;

	strict.max_loss_percent = 1;
	sf_health_set_config(health, &strict);
	begin();
	step(1000, 20);
	step(1000, 20);
	step(1000, 20);
	ck_assert_int_eq(get().state, SF_HEALTH_LOSSY);
}
END_TEST

START_TEST(bytes_count_to_the_interface_and_survive_the_subflow)
{
	struct sf_health_key other = key;
	uint64_t sent, received;

	other.local.port = 40001;

	/* Opened with 1000 bytes already gone each way. */
	st.bytes_sent = 1000;
	st.bytes_received = 1000;
	sf_health_round_begin(health);
	sf_health_sample(health, &key, 3, &st, true, now_ms);
	sf_health_sample(health, &other, 4, &st, true, now_ms);
	sf_health_round_end(health);

	st.bytes_sent = 5000;
	st.bytes_received = 2500;
	sf_health_round_begin(health);
	sf_health_sample(health, &key, 3, &st, true, now_ms + 200);
	sf_health_round_end(health);

	sf_health_iface_bytes(health, 3, &sent, &received);
	ck_assert_uint_eq(sent, 5000);
	ck_assert_uint_eq(received, 2500);
	/* The subflow on 4 was not seen in the last round: it is gone, its
	 * bytes are not. */
	sf_health_iface_bytes(health, 4, &sent, &received);
	ck_assert_uint_eq(sent, 1000);
	ck_assert_int_eq(sf_health_get(health, &other, now_ms, &(struct
		sf_subflow_health) { 0 }), -ENOENT);
	sf_health_iface_bytes(health, 9, &sent, &received);
	ck_assert_uint_eq(sent, 0);
}
END_TEST

/* A subflow watched from a later moment (a D-Bus read) counts from its
 * first sample on; watched again after being forgotten, not its past
 * twice. */
START_TEST(bytes_of_a_later_watch_count_from_its_first_sample)
{
	uint64_t sent, received;

	st.bytes_sent = 1000;
	st.bytes_received = 1000;
	sf_health_round_begin(health);
	sf_health_sample(health, &key, 3, &st, false, now_ms);
	sf_health_round_end(health);
	sf_health_iface_bytes(health, 3, &sent, &received);
	ck_assert_uint_eq(sent, 0);
	ck_assert_uint_eq(received, 0);

	st.bytes_sent = 5000;
	st.bytes_received = 2500;
	sf_health_round_begin(health);
	sf_health_sample(health, &key, 3, &st, false, now_ms + 200);
	sf_health_round_end(health);
	sf_health_iface_bytes(health, 3, &sent, &received);
	ck_assert_uint_eq(sent, 4000);
	ck_assert_uint_eq(received, 1500);

	/* Not sampled for a round: forgotten. Back, with 1000 more sent. */
	sf_health_round_begin(health);
	sf_health_round_end(health);
	st.bytes_sent = 6000;
	sf_health_round_begin(health);
	sf_health_sample(health, &key, 3, &st, false, now_ms + 400);
	sf_health_round_end(health);
	sf_health_iface_bytes(health, 3, &sent, &received);
	ck_assert_uint_eq(sent, 4000);
	ck_assert_uint_eq(received, 1500);
}
END_TEST

static void count(const struct sf_health_key *k,
		  const struct sf_subflow_health *h, void *user_data)
{
	(*(unsigned int *) user_data)++;
}

START_TEST(a_closed_connection_is_forgotten)
{
	unsigned int n = 0;

	step(0, 0);
	sf_health_foreach_conn(health, key.token, now_ms, count, &n);
	ck_assert_uint_eq(n, 1);

	sf_health_forget_conn(health, key.token);
	n = 0;
	sf_health_foreach_conn(health, key.token, now_ms, count, &n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* At [quality] poll-ms 50, loss is judged over all the samples of the
 * window that it takes to see SF_HEALTH_MIN_SEGS segments: 30 here. */
START_TEST(a_fast_pace_judges_over_the_whole_window)
{
	begin();
	/* One segment a sample, every other one sent again. */
	for (int k = 1; k <= 29; k++) {
		step_ms(50, 1, k % 2);
		ck_assert_int_eq(get().state, SF_HEALTH_UNKNOWN);
	}
	step_ms(50, 1, 0);
	step_ms(50, 1, 1);
	ck_assert_int_eq(get().state, SF_HEALTH_LOSSY);
	ck_assert_uint_eq(get().loss_permille, 500);
}
END_TEST

/* From the fast pace to one sample a second and back: the samples kept
 * follow, and loss is judged all along. */
START_TEST(the_kept_samples_follow_the_pace)
{
	begin();
	for (int i = 0; i < 40; i++)
		step_ms(50, 100, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);

	for (int i = 0; i < 5; i++)
		step_ms(1000, 100, 50);
	ck_assert_int_eq(get().state, SF_HEALTH_LOSSY);
	ck_assert_uint_eq(get().loss_permille, 500);

	for (int i = 0; i < 5; i++)
		step_ms(1000, 100, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	for (int i = 0; i < 40; i++)
		step_ms(50, 100, 0);
	ck_assert_int_eq(get().state, SF_HEALTH_GOOD);
	ck_assert_uint_eq(get().loss_permille, 0);
}
END_TEST

/* A connection's subflows go one by one when rounds stop seeing them,
 * whichever was sampled first, and the others keep their figures. */
START_TEST(subflows_of_a_connection_go_one_by_one)
{
	struct sf_health_key keys[3] = { key, key, key };
	struct sf_subflow_health h;
	unsigned int n;

	keys[1].local.port = 40001;
	keys[2].local.port = 40002;
	sf_health_round_begin(health);
	for (int i = 0; i < 3; i++)
		sf_health_sample(health, &keys[i], 3, &st, true, now_ms);
	sf_health_round_end(health);

	/* The newest and the oldest go; the middle one stays. */
	st.bytes_sent = 7000;
	sf_health_round_begin(health);
	sf_health_sample(health, &keys[1], 3, &st, true, now_ms + 200);
	sf_health_round_end(health);
	n = 0;
	sf_health_foreach_conn(health, key.token, now_ms, count, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(sf_health_get(health, &keys[0], now_ms, &h), -ENOENT);
	ck_assert_int_eq(sf_health_get(health, &keys[2], now_ms, &h), -ENOENT);
	ck_assert_int_eq(sf_health_get(health, &keys[1], now_ms, &h), 0);
	ck_assert_uint_eq(h.bytes_sent, 7000);

	/* And the last. */
	sf_health_round_begin(health);
	sf_health_round_end(health);
	n = 0;
	sf_health_foreach_conn(health, key.token, now_ms, count, &n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("judgements");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unknown_until_sampled_then_good_with_traffic);
	tcase_add_test(tc, sustained_loss_is_lossy_once_two_samples_agree);
	tcase_add_test(tc, a_burst_lost_within_one_interval_is_not_lossy);
	tcase_add_test(tc, one_lossy_sample_between_good_ones_changes_nothing);
	tcase_add_test(tc, loss_at_the_threshold_is_not_lossy);
	tcase_add_test(tc, a_quiet_subflow_is_judged_over_several_samples);
	tcase_add_test(tc, a_trickle_without_retransmissions_is_good);
	tcase_add_test(tc, a_young_subflow_is_not_judged_for_loss);
	tcase_add_test(tc, recovery_is_seen_at_once_and_ages);
	tcase_add_test(tc, an_idle_subflow_keeps_its_judgement);
	tcase_add_test(tc, rtt_far_above_its_own_minimum_is_slow);
	tcase_add_test(tc, no_ack_with_data_in_flight_is_stalled_at_once);
	tcase_add_test(tc, two_rtos_in_a_row_are_a_stall);
	tcase_add_test(tc, thresholds_follow_the_config);
	tcase_add_test(tc, bytes_count_to_the_interface_and_survive_the_subflow);
	tcase_add_test(tc, bytes_of_a_later_watch_count_from_its_first_sample);
	tcase_add_test(tc, a_closed_connection_is_forgotten);
	tcase_add_test(tc, a_fast_pace_judges_over_the_whole_window);
	tcase_add_test(tc, the_kept_samples_follow_the_pace);
	tcase_add_test(tc, subflows_of_a_connection_go_one_by_one);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
