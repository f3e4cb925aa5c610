/*
 * sim/kern/vfs.c — the read-only guest file system and file descriptors
 * (see vfs.h).
 */
#include "sim/kern/vfs.h"
#include "sim/kern/kern.h"
#include "vm/vm_object.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
vfs_init(struct vfs *v, const char *root)
{
	memset(v, 0, sizeof(*v));
	if (root != NULL)
		v->root = strdup(root);
}

void
vfs_fini(struct vfs *v)
{
	for (int i = 0; i < v->nnodes; i++)
		vrele(v->nodes[i].vp);
	v->nnodes = 0;
	free(v->root);
	v->root = NULL;
}

/* "a/./b//../c" -> "/a/c"; ".." never climbs above "/".  0 or -errno. */
static int
vfs_normalise(const char *in, char *out, size_t outlen)
{
	size_t used = 0;
	const char *p = in;

	if (strlen(in) >= outlen)
		return -ENAMETOOLONG;
	out[0] = '\0';
	while (*p) {
		const char *q;
		size_t n;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (used > 0 && out[used - 1] != '/')
				used--;
			if (used > 0)
				used--;		/* the slash */
			out[used] = '\0';
		} else {
			if (used + 1 + n + 1 > outlen)
				return -ENAMETOOLONG;
			out[used++] = '/';
			memcpy(out + used, p, n);
			used += n;
			out[used] = '\0';
		}
		p += n;
	}
	if (used == 0)
		snprintf(out, outlen, "/");
	return 0;
}

int
vfs_add(struct vfs *v, const char *path, struct vnode *vp)
{
	char norm[256];

	if (v->nnodes == VFS_MAX_FILES)
		return -ENFILE;
	if (vfs_normalise(path, norm, sizeof(norm)) != 0)
		return -ENAMETOOLONG;
	snprintf(v->nodes[v->nnodes].path, sizeof(v->nodes[0].path), "%s", norm);
	v->nodes[v->nnodes].vp = vp;
	vref(vp);
	v->nnodes++;
	return 0;
}

static void
vfs_vnode_release(struct vnode *vp)
{
	free((void *)vp->data);
	free(vp);
}

/* Read the host file behind guest path norm into a new vnode. */
static int
vfs_read_host(struct vfs *v, const char *norm, struct vnode **out)
{
	char host[4096];
	struct stat st;
	struct vnode *vp;
	uint8_t *data;
	size_t got = 0;
	int fd;

	if (v->fetch != NULL)
		return vfs_fetch(v, norm, out);
	if (v->root == NULL)
		return -ENOENT;
	if ((size_t)snprintf(host, sizeof(host), "%s%s", v->root, norm) >= sizeof(host))
		return -ENAMETOOLONG;
	/* XXX: symbolic links are followed by the host; a link out of the
	 * root reaches host files (the root is the user's own directory). */
	fd = open(host, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -EACCES;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
	}
	if ((uint64_t)st.st_size > VFS_MAX_FILE) {
		close(fd);
		return -EFBIG;
	}
	data = malloc((size_t)st.st_size ? (size_t)st.st_size : 1);
	vp = calloc(1, sizeof(*vp));
	if (data == NULL || vp == NULL) {
		free(data);
		free(vp);
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	vp->data = data;
	vp->size = got;
	snprintf(vp->name, sizeof(vp->name), "%s", norm);
	vp->refs = 1;
	vp->release = vfs_vnode_release;
	if (v->loaded != NULL)
		v->loaded(v->loaded_arg, norm, data, got);
	*out = vp;
	return 0;
}

int
vfs_lookup(struct vfs *v, const char *path, struct vnode **out)
{
	char norm[256];
	struct vnode *vp;
	int e;

	if ((e = vfs_normalise(path, norm, sizeof(norm))) != 0)
		return e;
	if (strcmp(norm, "/") == 0)
		return -EISDIR;
	for (int i = 0; i < v->nnodes; i++) {
		if (strcmp(v->nodes[i].path, norm) == 0) {
			vref(v->nodes[i].vp);
			*out = v->nodes[i].vp;
			return 0;
		}
	}
	if (v->nnodes == VFS_MAX_FILES)
		return -ENFILE;
	if ((e = vfs_read_host(v, norm, &vp)) != 0)
		return e;
	/* Cached for the run: every open of the path shares the vnode and
	 * so the pages of its VM object. */
	snprintf(v->nodes[v->nnodes].path, sizeof(v->nodes[0].path), "%s", norm);
	v->nodes[v->nnodes].vp = vp;		/* the cache's reference */
	v->nnodes++;
	vref(vp);
	*out = vp;
	return 0;
}

/* ---- descriptors -------------------------------------------------------- */

void
fd_init(struct proc *p)
{
	memset(p->files, 0, sizeof(p->files));
	for (int i = 0; i < 3; i++)
		p->fd_console[i] = true;
}

int
fd_alloc(struct proc *p, struct vnode *vp)
{
	for (int i = 0; i < PROC_NFILES; i++) {
		if (p->files[i] == NULL && !p->fd_console[i]) {
			struct file *f = calloc(1, sizeof(*f));

			if (f == NULL)
				return -ENOMEM;
			f->vp = vp;
			f->refs = 1;
			p->files[i] = f;
			return i;
		}
	}
	return -EMFILE;
}

struct file *
fd_get(struct proc *p, int fd)
{
	if (fd < 0 || fd >= PROC_NFILES)
		return NULL;
	return p->files[fd];
}

int
fd_close(struct proc *p, int fd)
{
	struct file *f;

	if (fd < 0 || fd >= PROC_NFILES)
		return -EBADF;
	if (p->fd_console[fd]) {
		p->fd_console[fd] = false;
		return 0;
	}
	f = p->files[fd];
	if (f == NULL)
		return -EBADF;
	p->files[fd] = NULL;
	if (--f->refs == 0) {
		vrele(f->vp);
		free(f);
	}
	return 0;
}

void
fd_close_all(struct proc *p)
{
	for (int i = 0; i < PROC_NFILES; i++)
		if (p->files[i] != NULL || p->fd_console[i])
			fd_close(p, i);
}

int
vfs_fetch(struct vfs *v, const char *norm, struct vnode **out)
{
	struct vnode *vp;
	uint8_t *data = NULL;
	size_t len = 0;
	int e;

	if ((e = v->fetch(v->fetch_arg, norm, &data, &len)) != 0)
		return e;
	if (len > VFS_MAX_FILE) {
		free(data);
		return -EFBIG;
	}
	vp = calloc(1, sizeof(*vp));
	if (vp == NULL) {
		free(data);
		return -ENOMEM;
	}
	vp->data = data;
	vp->size = len;
	snprintf(vp->name, sizeof(vp->name), "%s", norm);
	vp->refs = 1;
	vp->release = vfs_vnode_release;
	if (v->loaded != NULL)
		v->loaded(v->loaded_arg, norm, data, len);
	*out = vp;
	return 0;
}
