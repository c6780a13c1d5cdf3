/* epoll behind the poller interface of poller.h. */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "poller.h"

#define MAX_BATCH 256

onc_status onc__poller_init(onc__poller *p)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	p->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->epfd < 0 || p->wakefd < 0 || epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->wakefd, &ev) != 0) {
		onc__poller_close(p);
		return ONC_ERR_IO;
	}
	return ONC_OK;
}

void onc__poller_close(onc__poller *p)
{
	if (p->epfd >= 0)
		close(p->epfd);
	if (p->wakefd >= 0)
		close(p->wakefd);
	p->epfd = p->wakefd = -1;
}

static uint32_t to_epoll(unsigned events)
{
	return (events & ONC__POLL_IN ? EPOLLIN : 0) | (events & ONC__POLL_OUT ? EPOLLOUT : 0) |
	       (events & ONC__POLL_EXCLUSIVE ? EPOLLEXCLUSIVE : 0);
}

onc_status onc__poller_add(onc__poller *p, int fd, unsigned events, void *ptr)
{
	struct epoll_event ev = {.events = to_epoll(events), .data.ptr = ptr};
	return epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? ONC_OK : ONC_ERR_IO;
}

onc_status onc__poller_mod(onc__poller *p, int fd, unsigned events, void *ptr)
{
	struct epoll_event ev = {.events = to_epoll(events), .data.ptr = ptr};
	return epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev) == 0 ? ONC_OK : ONC_ERR_IO;
}

void onc__poller_del(onc__poller *p, int fd)
{
	epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int onc__poller_wait(onc__poller *p, onc__poll_event *evs, int max, int timeout_ms)
{
	struct epoll_event ev[MAX_BATCH];
	int n = epoll_wait(p->epfd, ev, max < MAX_BATCH ? max : MAX_BATCH, timeout_ms);
	for (int i = 0; i < n; i++) {
		uint32_t e = ev[i].events;
		evs[i].ptr = ev[i].data.ptr;
		evs[i].events = (e & EPOLLIN ? ONC__POLL_IN : 0) | (e & EPOLLOUT ? ONC__POLL_OUT : 0) |
				(e & (EPOLLERR | EPOLLHUP) ? ONC__POLL_CLOSED : 0);
		if (!evs[i].ptr) {
			uint64_t count;
			if (read(p->wakefd, &count, sizeof count) < 0) {
				/* already consumed: nothing to do */
			}
		}
	}
	return n < 0 ? 0 : n;
}

void onc__poller_wake(onc__poller *p)
{
	uint64_t one = 1;
	int saved = errno; /* a signal handler must leave errno as it found it */
	if (write(p->wakefd, &one, sizeof one) < 0) {
		/* the counter is already set: the poller wakes anyway */
	}
	errno = saved;
}
