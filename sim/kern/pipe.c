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
 *
 * The ring and the pipe's byte counters are kernel memory from
 * kmalloc(M_PIPE) (FreeBSD's pipe buffer is kernel VA too, sys_pipe.c):
 * every byte the pipe moves is a kernel load or store through the
 * running CPU's TLB and D-cache (kern_kmem_copyin/copyout), and memguard
 * can watch them ("--memguard pipe").  The counters (struct pipe_kstats,
 * 16 bytes: an item of the 16-byte bucket) are read and written back at
 * each transfer, as a kernel updates its statistics.
 *
 * Teaching knob --bug pipe-use-after-free (KERN_BUG_PIPE_UAF): when the
 * last end closes, the pipe frees its memory and then reads its counters
 * for a final "statistics" figure — a use after free.  Without memguard
 * the freed item is still mapped (its slab stays) and the run completes
 * silently; with memguard guarding "pipe" the page is gone and the read
 * is an EV_MEMGUARD use_after_free and a kernel panic.
 */
#include "sim/kern/kern.h"
#include "sim/kern/malloc.h"
#include "sim/kern/vfs.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The counters in kernel memory (host byte order: only the kernel reads
 * them). */
struct pipe_kstats {
	uint64_t bytes_in;	/* written into the pipe */
	uint64_t bytes_out;	/* read out of it */
};

struct pipe {
	struct kern *k;
	vm_offset_t buf;	/* PIPE_SIZE bytes of kernel memory (M_PIPE) */
	vm_offset_t kstats;	/* a struct pipe_kstats (M_PIPE) */
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

	if (pp == NULL ||
	    (pp->buf = kmalloc(PIPE_SIZE, M_PIPE, M_WAITOK)) == 0 ||
	    (pp->kstats = kmalloc(sizeof(struct pipe_kstats), M_PIPE,
	    M_WAITOK | M_ZERO)) == 0 ||
	    (r = file_alloc(FTYPE_PIPE, KO_RDONLY | (flags & KO_NONBLOCK))) == NULL ||
	    (w = file_alloc(FTYPE_PIPE, KO_WRONLY | (flags & KO_NONBLOCK))) == NULL) {
		if (pp != NULL) {
			(void)kfree(pp->buf, M_PIPE);
			(void)kfree(pp->kstats, M_PIPE);
		}
		free(pp);
		free(r);
		return k->panicked ? -EFAULT : -ENOMEM;
	}
	pp->k = k;
	pp->reader = pp->writer = true;
	pp->ino = ino;
	r->pipe = w->pipe = pp;
	*rf = r;
	*wf = w;
	return 0;
}

/* Add n to one of the counters in kernel memory (a load and a store):
 * 0, or EFAULT (the kernel panicked). */
static int
pipe_count(struct pipe *pp, size_t field, size_t n)
{
	uint64_t v;

	if (kern_kmem_copyin(pp->k, NULL, pp->kstats + field, &v, sizeof(v)) != 0)
		return EFAULT;
	v += n;
	return kern_kmem_copyout(pp->k, NULL, pp->kstats + field, &v, sizeof(v));
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
	if (kern_kmem_copyin(pp->k, NULL, pp->buf + pp->head, tmp, first) != 0 ||
	    kern_kmem_copyin(pp->k, NULL, pp->buf, tmp + first, n - first) != 0 ||
	    pipe_count(pp, offsetof(struct pipe_kstats, bytes_out), n) != 0) {
		free(tmp);
		return -EFAULT;		/* the kernel panicked */
	}
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
	if (kern_kmem_copyout(pp->k, NULL, pp->buf + tail, tmp, first) != 0 ||
	    kern_kmem_copyout(pp->k, NULL, pp->buf, tmp + first, n - first) != 0 ||
	    pipe_count(pp, offsetof(struct pipe_kstats, bytes_in), n) != 0) {
		free(tmp);
		return -EFAULT;		/* the kernel panicked */
	}
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
		(void)kfree(pp->buf, M_PIPE);
		(void)kfree(pp->kstats, M_PIPE);
		if (pp->k->bugs & KERN_BUG_PIPE_UAF) {
			/* The bug: a last look at the counters, after the free. */
			uint8_t b;

			(void)kern_kmem_copyin(pp->k, NULL, pp->kstats +
			    offsetof(struct pipe_kstats, bytes_out), &b, 1);
		}
		free(pp);
	}
}
