#include "transport.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>

/* A socket curl waits on. At most one watch is armed per socket; a change
 * of interest cancels it and the cancelled callback re-arms with the new
 * interest. Freed once curl removed it and no watch is left to call back. */
struct sock {
	fc_transport *t;
	curl_socket_t fd;
	int want;        /* CURL_POLL_IN / OUT / INOUT */
	short armed_for; /* poll events of the armed watch, 0 when none */
	int64_t watch;
	bool removed;
	bool in_action;  /* curl is being told about it: do not free yet */
};

struct fc_transport {
	stage_loop *loop;
	CURLM *multi;
	fc_transfer_done done;
	void *arg;
	size_t running;
	struct timer *timer; /* the pending loop timer, or NULL */
	bool failed;
	stage_error failure;
};

static short poll_events(int want)
{
	return (short)(((want & CURL_POLL_IN) ? POLLIN : 0) | ((want & CURL_POLL_OUT) ? POLLOUT : 0));
}

static void fail(fc_transport *t, const stage_error *err)
{
	if (!t->failed) {
		t->failed = true;
		t->failure = *err;
	}
}

/* Hands every finished transfer to the caller. */
static void drain_finished(fc_transport *t)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(t->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *easy = m->easy_handle;
		CURLcode result = m->data.result;

		curl_multi_remove_handle(t->multi, easy);
		t->running--;
		t->done(t->arg, easy, result);
	}
}

static void arm(struct sock *s);

static void on_ready(void *arg, int64_t result)
{
	struct sock *s = arg;
	fc_transport *t = s->t;
	int still;

	s->armed_for = 0;
	if (s->removed) {
		free(s);
		return;
	}
	if (result < 0) { /* cancelled for a change of interest */
		arm(s);
		return;
	}
	int mask = 0;
	if (result & POLLIN)
		mask |= CURL_CSELECT_IN;
	if (result & POLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (result & (POLLERR | POLLHUP))
		mask |= CURL_CSELECT_ERR;
	s->in_action = true;
	curl_multi_socket_action(t->multi, s->fd, mask, &still);
	s->in_action = false;
	if (s->removed)
		free(s);
	else
		arm(s);
	drain_finished(t);
}

static void arm(struct sock *s)
{
	stage_error err;
	short ev = poll_events(s->want);

	if (s->armed_for == ev || !ev)
		return;
	if (s->armed_for) {
		stage_loop_cancel(s->t->loop, s->watch);
		return;
	}
	s->watch = stage_loop_watch(s->t->loop, s->fd, ev, on_ready, s, &err);
	if (s->watch < 0)
		fail(s->t, &err);
	else
		s->armed_for = ev;
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	fc_transport *t = userp;
	struct sock *s = sockp;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (!s)
			return 0;
		curl_multi_assign(t->multi, fd, NULL);
		s->removed = true;
		if (s->armed_for)
			stage_loop_cancel(t->loop, s->watch);
		else if (!s->in_action)
			free(s);
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->t = t;
		s->fd = fd;
		curl_multi_assign(t->multi, fd, s);
	}
	s->want = what;
	if (!s->in_action)
		arm(s);
	return 0;
}

/* A timer that fired just before curl replaced it still calls back: it
 * must not take the new one's place, so each timer has its own record. */
struct timer {
	fc_transport *t;
	int64_t id;
	bool replaced;
};

static void on_timer(void *arg, int64_t result)
{
	struct timer *tm = arg;
	fc_transport *t = tm->t;
	bool replaced = tm->replaced;
	int still;

	free(tm);
	if (replaced || result < 0)
		return;
	t->timer = NULL;
	curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	drain_finished(t);
}

static void drop_timer(fc_transport *t)
{
	if (t->timer) {
		t->timer->replaced = true;
		stage_loop_cancel(t->loop, t->timer->id);
		t->timer = NULL;
	}
}

static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
	fc_transport *t = userp;
	stage_error err;
	struct timer *tm;

	(void)multi;
	drop_timer(t);
	if (timeout_ms < 0)
		return 0;
	tm = calloc(1, sizeof(*tm));
	if (!tm)
		return -1;
	tm->t = t;
	tm->id = stage_loop_timer(t->loop, (uint64_t)timeout_ms * 1000000u, on_timer, tm, &err);
	if (tm->id < 0) {
		free(tm);
		fail(t, &err);
		return -1;
	}
	t->timer = tm;
	return 0;
}

int fc_transport_new(fc_transport **out, stage_loop *loop, const fc_transport_opts *o,
                     fc_transfer_done done, void *arg, stage_error *err)
{
	fc_transport *t = calloc(1, sizeof(*t));

	if (!t)
		return stage_error_oom(err, "transport");
	t->multi = curl_multi_init();
	if (!t->multi) {
		free(t);
		return stage_error_set(err, STAGE_EXIT_FAILURE, "curl_multi_init failed");
	}
	t->loop = loop;
	t->done = done;
	t->arg = arg;
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t);
	curl_multi_setopt(t->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, o->max_total_connections);
	curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, o->max_host_connections);
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, o->max_total_connections);
	curl_multi_setopt(t->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	*out = t;
	return 0;
}

int fc_transport_start(fc_transport *t, CURL *easy, stage_error *err)
{
	CURLMcode rc = curl_multi_add_handle(t->multi, easy);

	if (rc != CURLM_OK)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "curl_multi_add_handle: %s",
		                       curl_multi_strerror(rc));
	t->running++;
	return 0;
}

void fc_transport_abort(fc_transport *t, CURL *easy)
{
	if (curl_multi_remove_handle(t->multi, easy) == CURLM_OK)
		t->running--;
}

size_t fc_transport_running(const fc_transport *t)
{
	return t->running;
}

const stage_error *fc_transport_failure(const fc_transport *t)
{
	return t->failed ? &t->failure : NULL;
}

void fc_transport_free(fc_transport *t)
{
	if (!t)
		return;
	drop_timer(t);
	curl_multi_cleanup(t->multi);
	free(t);
}
