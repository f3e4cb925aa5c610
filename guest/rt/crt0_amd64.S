/*
 * crt0_amd64.S - process entry for x86-64 guests.
 *
 * Linux starts us with %rsp -> argc, argv[0..argc-1], NULL, envp..., NULL,
 * auxv.  We compute argc/argv/envp, align the stack to 16 bytes, call
 * main(argc, argv, envp) and pass its return value to exit_group.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp
	movq	(%rsp), %rdi            /* argc */
	leaq	8(%rsp), %rsi           /* argv */
	leaq	8(%rsi,%rdi,8), %rdx    /* envp = argv + argc + 1 */
	andq	$-16, %rsp
	call	main
	movl	%eax, %edi
	movl	$231, %eax              /* __NR_exit_group */
	syscall
	hlt
	.size	_start, .-_start

	.section .note.GNU-stack,"",@progbits
