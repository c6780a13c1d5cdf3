/* Internal: the readiness poller the server's event loops wait on (epoll behind a handful of
 * functions), and a wake-up that another thread or a signal handler can send a loop. */
#ifndef ONC_NET_POLLER_H
#define ONC_NET_POLLER_H

#include <stdbool.h>

#include "onc/status.h"

enum {
	ONC__POLL_IN = 1u << 0,
	ONC__POLL_OUT = 1u << 1,
	ONC__POLL_CLOSED = 1u << 2,    /* reported: the socket failed or both directions ended */
	ONC__POLL_EXCLUSIVE = 1u << 3, /* on add: wake one of the pollers that share the fd */
};

typedef struct onc__poller {
	int epfd;
	int wakefd; /* an eventfd: reported as ptr NULL */
} onc__poller;

typedef struct onc__poll_event {
	void *ptr; /* as given to add; NULL for a wake-up */
	unsigned events;
} onc__poll_event;

onc_status onc__poller_init(onc__poller *p);
void onc__poller_close(onc__poller *p);
/* Watches fd for events (ONC__POLL_IN/OUT, EXCLUSIVE); ptr comes back with each event. */
onc_status onc__poller_add(onc__poller *p, int fd, unsigned events, void *ptr);
onc_status onc__poller_mod(onc__poller *p, int fd, unsigned events, void *ptr);
void onc__poller_del(onc__poller *p, int fd);
/* Waits up to timeout_ms for events; returns how many were stored (0 on time-out or a
 * signal). A wake-up is reported once however many were sent, and consumed. */
int onc__poller_wait(onc__poller *p, onc__poll_event *evs, int max, int timeout_ms);
/* Makes the poller's wait return; safe from any thread and from a signal handler. */
void onc__poller_wake(onc__poller *p);

#endif
