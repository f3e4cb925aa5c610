/*
 * vm/ucred.c — credentials for swap accounting (see vm/ucred.h; FreeBSD
 * kern_prot.c crget/crhold/crfree).
 */
#include "vm/ucred.h"

#include <stdlib.h>

/* The kernel's own credential (FreeBSD proc0's): uid 0, never freed. */
static struct ucred ucred0 = { .uid = 0, .refs = 1, .swap_limit = UCRED_NOLIMIT };
static struct ucred *ucred_cur;
static unsigned long ucred_live;

struct ucred *
crget(uint32_t uid)
{
	struct ucred *cr;

	if ((cr = calloc(1, sizeof(*cr))) == NULL)
		panic("crget: out of host memory");
	cr->uid = uid;
	cr->refs = 1;
	cr->swap_limit = UCRED_NOLIMIT;
	ucred_live++;
	return (cr);
}

struct ucred *
crhold(struct ucred *cr)
{
	KASSERT(cr != NULL && cr->refs > 0, ("crhold: dead credential"));
	cr->refs++;
	return (cr);
}

void
crfree(struct ucred *cr)
{
	KASSERT(cr != NULL && cr->refs > 0, ("crfree: dead credential (refs %d)",
	    cr != NULL ? cr->refs : -1));
	if (--cr->refs > 0)
		return;
	KASSERT(cr != &ucred0, ("crfree: the kernel credential"));
	if (ucred_cur == cr)
		ucred_cur = NULL;
	ucred_live--;
	free(cr);
}

struct ucred *
crcopy(const struct ucred *cr)
{
	struct ucred *n;

	n = crget(cr->uid);
	n->swap_limit = cr->swap_limit;
	return (n);
}

void
ucred_set_current(struct ucred *cr)
{
	KASSERT(cr == NULL || cr->refs > 0, ("ucred_set_current: dead credential"));
	ucred_cur = cr;
}

struct ucred *
ucred_current(void)
{
	return (ucred_cur != NULL ? ucred_cur : &ucred0);
}

unsigned long
ucred_count(void)
{
	return (ucred_live);
}
