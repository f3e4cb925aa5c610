/*
 * sim/kern/sys_file.c — system calls of the file module (see sys.h).
 */
#include "sim/kern/sys.h"

const struct sc_def sys_file_defs[] = {
	{ NULL, -1, -1, NULL },		/* placeholder: C forbids an empty array */
};
const size_t sys_file_ndefs = 0;
