/*
 * crt0_mips.S - process entry for MIPS o32 (big and little endian) guests.
 *
 * Linux starts us with $sp -> argc, argv[0..argc-1], NULL, envp..., NULL,
 * auxv.  We compute argc/argv/envp, align the stack to 8 bytes, reserve
 * the 16-byte o32 argument save area, call main(argc, argv, envp) and
 * pass its return value to exit_group.
 */
	.text
	.set	noreorder
	.globl	__start
	.ent	__start
	.type	__start, @function
__start:
	lui	$gp, %hi(_gp)           /* harmless; code is built with -G0 */
	addiu	$gp, $gp, %lo(_gp)
	move	$fp, $zero
	lw	$a0, 0($sp)             /* argc */
	addiu	$a1, $sp, 4             /* argv */
	sll	$t0, $a0, 2
	addu	$a2, $a1, $t0
	addiu	$a2, $a2, 4             /* envp = argv + argc + 1 */
	li	$t0, -8
	and	$sp, $sp, $t0
	addiu	$sp, $sp, -16           /* o32 argument save area */
	jal	main
	nop
	move	$a0, $v0
	li	$v0, 4246               /* __NR_exit_group */
	syscall
1:	b	1b
	nop
	.end	__start
	.size	__start, .-__start

	.section .note.GNU-stack,"",@progbits
