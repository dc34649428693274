/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "hold.h"
#include "unit.h"

static struct sf_event ev(enum sf_event_type type, uint32_t token)
{
	return (struct sf_event) { .type = type, .token = token };
}

START_TEST(later_events_of_a_held_token_wait_in_order)
{
	struct sf_hold *h = sf_hold_new();
	struct sf_event created = ev(SF_EVENT_CREATED, 7);
	struct sf_event est = ev(SF_EVENT_ESTABLISHED, 7);
	struct sf_event other = ev(SF_EVENT_CREATED, 8);
	struct sf_event closed = ev(SF_EVENT_CLOSED, 7);
	struct sf_sockdiag_owner owner = { .uid = 65534, .cgroup_id = 9 };
	struct l_queue *q;
	struct sf_event *e;
	unsigned int stamp = 0;

	ck_assert_int_eq(sf_hold_start(h, &created, 3), 0);
	ck_assert_int_eq(sf_hold_start(h, &created, 3), -EEXIST);
	ck_assert(sf_hold_push(h, &est));
	/* Another connection's events are not held. */
	ck_assert(!sf_hold_push(h, &other));
	ck_assert(sf_hold_push(h, &closed));
	ck_assert(sf_hold_contains(h, 7));
	ck_assert_uint_eq(sf_hold_count(h), 1);

	q = sf_hold_release(h, 7, &owner, &stamp);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(stamp, 3);
	ck_assert_uint_eq(l_queue_length(q), 3);
	e = l_queue_pop_head(q);
	ck_assert_int_eq(e->type, SF_EVENT_CREATED);
	l_free(e);
	e = l_queue_pop_head(q);
	ck_assert_int_eq(e->type, SF_EVENT_ESTABLISHED);
	l_free(e);
	e = l_queue_pop_head(q);
	ck_assert_int_eq(e->type, SF_EVENT_CLOSED);
	l_free(e);
	l_queue_destroy(q, l_free);

	/* Replayed: nothing is held any more, the owner is there. */
	ck_assert(!sf_hold_contains(h, 7));
	ck_assert(!sf_hold_push(h, &est));
	ck_assert(sf_hold_replaying(h, 7));
	ck_assert_uint_eq(sf_hold_owner(h, 7)->uid, 65534);
	ck_assert_uint_eq(sf_hold_count(h), 0);
	sf_hold_forget(h, 7);
	ck_assert(!sf_hold_replaying(h, 7));
	ck_assert_ptr_null(sf_hold_owner(h, 7));
	sf_hold_free(h);
}
END_TEST

START_TEST(an_owner_that_cannot_be_learned_replays_without_one)
{
	struct sf_hold *h = sf_hold_new();
	struct sf_event created = ev(SF_EVENT_CREATED, 1);
	struct l_queue *q;

	ck_assert_int_eq(sf_hold_start(h, &created, 0), 0);
	sf_hold_set_query(h, 1, 42);
	ck_assert_uint_eq(sf_hold_get_query(h, 1), 42);
	q = sf_hold_release(h, 1, NULL, NULL);
	ck_assert_uint_eq(l_queue_length(q), 1);
	l_queue_destroy(q, l_free);
	ck_assert(sf_hold_replaying(h, 1));
	ck_assert_ptr_null(sf_hold_owner(h, 1));
	ck_assert_ptr_null(sf_hold_release(h, 1, NULL, NULL));
	sf_hold_forget(h, 1);
	sf_hold_free(h);
}
END_TEST

START_TEST(forgetting_a_held_token_drops_its_events)
{
	struct sf_hold *h = sf_hold_new();
	struct sf_event created = ev(SF_EVENT_CREATED, 5);

	ck_assert_int_eq(sf_hold_start(h, &created, 0), 0);
	ck_assert(sf_hold_push(h, &created));
	sf_hold_forget(h, 5);
	ck_assert_uint_eq(sf_hold_count(h), 0);
	ck_assert(!sf_hold_contains(h, 5));
	/* Held again later: a new start. */
	ck_assert_int_eq(sf_hold_start(h, &created, 0), 0);
	sf_hold_free(h);	/* frees what it holds */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hold");
	TCase *tc = tcase_create("hold");

	tcase_add_test(tc, later_events_of_a_held_token_wait_in_order);
	tcase_add_test(tc, an_owner_that_cannot_be_learned_replays_without_one);
	tcase_add_test(tc, forgetting_a_held_token_drops_its_events);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
