/*
 * sim/kern/vfs.h — the guest's file system, first version: a read-only
 * view of a host directory (--root DIR) plus the program itself at /NAME.
 * Each file is read whole when first opened and becomes one vnode whose
 * VM object is shared by every mapping (vm/vm_object.h), so file pages are
 * paged in through vm_fault and shared like a real page cache.
 *
 * XXX: writes, directories, pipes and /dev come with the processes issue
 * (an in-memory overlay over the root).
 */
#ifndef SIM_KERN_VFS_H
#define SIM_KERN_VFS_H

#include "sim/base/base.h"

struct kern;
struct proc;
struct vnode;

#define VFS_MAX_FILES	256	/* distinct files opened in one run */
#define VFS_MAX_FILE	(64u << 20)
#define PROC_NFILES	64

/* An open file description. */
struct file {
	struct vnode *vp;	/* NULL: the console */
	uint64_t offset;
	int refs;
};

struct vfs {
	char *root;		/* host directory, or NULL: only the program */
	struct vfs_node {
		char path[256];	/* normalised guest path ("/a/b") */
		struct vnode *vp;
	} nodes[VFS_MAX_FILES];
	int nnodes;
	/* Called with the bytes of each file the first time it is read in,
	 * so the machine can store it in the trace.  May be NULL. */
	void (*loaded)(void *arg, const char *path, const void *data, size_t len);
	void *loaded_arg;
	/* When set, files come from here instead of the host root (replay
	 * serves them from the trace): 0 with a malloc'ed copy of the bytes,
	 * which the vnode then owns, or -errno. */
	int (*fetch)(void *arg, const char *path, uint8_t **data, size_t *len);
	void *fetch_arg;
};

void vfs_init(struct vfs *v, const char *root_or_null);
void vfs_fini(struct vfs *v);
/* Make the program visible at guest path (takes a reference on vp). */
int vfs_add(struct vfs *v, const char *path, struct vnode *vp);
/* Look up a guest path (absolute, or relative to /): 0 with a referenced
 * vnode, or -errno (ENOENT, ENAMETOOLONG, EISDIR for a directory,
 * EFBIG beyond VFS_MAX_FILE, ENFILE). */
int vfs_lookup(struct vfs *v, const char *path, struct vnode **out);

/* Read guest path norm (normalised) through v->fetch into a new vnode:
 * 0, or -errno (ENOENT, EFBIG, ENOMEM). */
int vfs_fetch(struct vfs *v, const char *norm, struct vnode **out);

/* File descriptors of p: the console on 0-2 at start. */
void fd_init(struct proc *p);
void fd_close_all(struct proc *p);
/* Install vp at the lowest free descriptor: fd, or -EMFILE. */
int fd_alloc(struct proc *p, struct vnode *vp);
struct file *fd_get(struct proc *p, int fd);
int fd_close(struct proc *p, int fd);

#endif
