/* SPDX-License-Identifier: MIT */
/*
 * bench/floor_x86_64.S - the smallest register swap, System V AMD64, ELF:
 * PERF.md's "A_JMP", the floor every round trip is compared with.
 *
 *     void *floor_swap(void **save_sp, void *const *load_sp, void *arg);
 *
 * Pushes the six callee-saved registers, stores rsp in *save_sp, loads rsp
 * from *load_sp, pops the other side's registers, and jumps (not `ret`) to
 * its resume address with `arg` in rax. No FP state, no CET marker, no
 * checks: nothing a real library could leave out.
 *
 * A suspended stack, lowest address first: r15 r14 r13 r12 rbx rbp resume.
 * floor_start is the resume address of a fresh stack: it calls r12(rax).
 */
    .text
    .globl  floor_swap
    .type   floor_swap, @function
    .p2align 4
floor_swap:
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
    movq    (%rsi), %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popq    %rcx
    movq    %rdx, %rax
    jmp     *%rcx
    .size   floor_swap, .-floor_swap

    .globl  floor_start
    .type   floor_start, @function
    .p2align 4
floor_start:
    movq    %rax, %rdi
    xorl    %ebp, %ebp
    call    *%r12
    ud2
    .size   floor_start, .-floor_start

    .section .note.GNU-stack, "", @progbits
