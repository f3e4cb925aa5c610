/*
 * sim/kern/pipe.c — pipes (pipe(2), pipe2(2); Linux fs/pipe.c semantics,
 * see pipe(7)): a ring of PIPE_SIZE bytes between a read end and a write
 * end, each an open file description (vfs.h).
 *
 * Reading an empty pipe returns 0 (end of file) once no write end is left,
 * else the caller sleeps (or EAGAIN with O_NONBLOCK).  Writing with no read
 * end left is EPIPE (and SIGPIPE, raised by the caller).  A write of at most
 * PIPE_ATOMIC bytes goes in whole or not at all; a longer one may be short
 * (the guest's libc writes the rest).  Whoever makes progress possible
 * (bytes in, bytes out, an end closed) wakes the sleepers through the
 * kernel (kern_wakeup), which reruns their system calls.
 */
#include "sim/kern/kern.h"
#include "sim/kern/vfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pipe {
	struct kern *k;
	uint8_t *buf;		/* PIPE_SIZE bytes */
	size_t head;		/* index of the oldest byte */
	size_t count;		/* bytes buffered */
	bool reader, writer;	/* the ends still open */
	uint64_t ino;		/* fstat's inode number */
	/* Two distinct addresses to sleep on. */
	char chan_read, chan_write;
};

int
pipe_create(struct kern *k, int flags, uint64_t ino, struct file **rf, struct file **wf)
{
	struct pipe *pp = calloc(1, sizeof(*pp));
	struct file *r = NULL, *w = NULL;

	if (pp == NULL || (pp->buf = malloc(PIPE_SIZE)) == NULL ||
	    (r = file_alloc(FTYPE_PIPE, KO_RDONLY | (flags & KO_NONBLOCK))) == NULL ||
	    (w = file_alloc(FTYPE_PIPE, KO_WRONLY | (flags & KO_NONBLOCK))) == NULL) {
		if (pp != NULL)
			free(pp->buf);
		free(pp);
		free(r);
		return -ENOMEM;
	}
	pp->k = k;
	pp->reader = pp->writer = true;
	pp->ino = ino;
	r->pipe = w->pipe = pp;
	*rf = r;
	*wf = w;
	return 0;
}

const void *
pipe_chan_read(const struct pipe *pp)
{
	return &pp->chan_read;
}

const void *
pipe_chan_write(const struct pipe *pp)
{
	return &pp->chan_write;
}

size_t
pipe_bytes(const struct pipe *pp)
{
	return pp->count;
}

uint64_t
pipe_ino(const struct pipe *pp)
{
	return pp->ino;
}

int64_t
pipe_read(struct pipe *pp, size_t len, int (*copy)(void *arg, const void *buf, size_t n),
    void *arg)
{
	uint8_t *tmp;
	size_t n, first;

	KASSERT(pp->reader, ("pipe_read: the read end is closed"));
	if (len == 0)
		return 0;
	if (pp->count == 0)
		return pp->writer ? -EAGAIN : 0;
	n = MIN(len, pp->count);
	if ((tmp = malloc(n)) == NULL)
		return -ENOMEM;
	first = MIN(n, PIPE_SIZE - pp->head);
	memcpy(tmp, pp->buf + pp->head, first);
	memcpy(tmp + first, pp->buf, n - first);
	if (copy(arg, tmp, n) != 0) {
		free(tmp);
		return -EFAULT;
	}
	free(tmp);
	pp->head = (pp->head + n) % PIPE_SIZE;
	pp->count -= n;
	if (pp->count == 0)
		pp->head = 0;
	if (pp->writer)
		kern_wakeup(pp->k, &pp->chan_write);
	return (int64_t)n;
}

int64_t
pipe_write(struct pipe *pp, size_t len, int (*copy)(void *arg, void *buf, size_t n),
    void *arg)
{
	size_t room = PIPE_SIZE - pp->count, n, tail, first;
	uint8_t *tmp;

	KASSERT(pp->writer, ("pipe_write: the write end is closed"));
	if (!pp->reader)
		return -EPIPE;
	if (len == 0)
		return 0;
	if (room == 0 || (len <= PIPE_ATOMIC && room < len))
		return -EAGAIN;
	n = MIN(len, room);
	if ((tmp = malloc(n)) == NULL)
		return -ENOMEM;
	if (copy(arg, tmp, n) != 0) {
		free(tmp);
		return -EFAULT;
	}
	tail = (pp->head + pp->count) % PIPE_SIZE;
	first = MIN(n, PIPE_SIZE - tail);
	memcpy(pp->buf + tail, tmp, first);
	memcpy(pp->buf, tmp + first, n - first);
	free(tmp);
	pp->count += n;
	kern_wakeup(pp->k, &pp->chan_read);
	return (int64_t)n;
}

void
pipe_close(struct pipe *pp, bool writer)
{
	if (writer) {
		KASSERT(pp->writer, ("pipe_close: write end closed twice"));
		pp->writer = false;
		kern_wakeup(pp->k, &pp->chan_read);	/* they see EOF */
	} else {
		KASSERT(pp->reader, ("pipe_close: read end closed twice"));
		pp->reader = false;
		kern_wakeup(pp->k, &pp->chan_write);	/* they see EPIPE */
	}
	if (!pp->reader && !pp->writer) {
		free(pp->buf);
		free(pp);
	}
}
