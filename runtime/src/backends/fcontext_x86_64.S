/* Fast-path switch stubs for the fcontext backend on x86-64 (System V, ELF).
 *
 * Why they exist: after a stack switch, a `ret` in the function that switched (yield(), coroutine_enter())
 * returns to an address the CPU's return-stack predictor did not see pushed on this stack, so every such `ret`
 * mispredicts; two per enter+yield round trip cost more than the switches themselves. These stubs are
 * tail-called by yield() and coroutine_enter() and leave by `pop; jmp *reg`, which the indirect-branch
 * predictor learns. (Measured: a wrapper returning by ret 45 ns per round trip, by pop+jmp 18 ns, the raw
 * jump_fcontext loop 14 ns.) They also avoid needless MXCSR/x87 reloads (see SWITCH_TO_RDI).
 *
 * Compatibility: a suspended context is the stack pointer of a frame laid out exactly as Boost.Context 1.81's
 * jump_fcontext lays it out (checked in fcontext_fast.hpp: used only with that Boost version):
 *     0x00 MXCSR (4 bytes), x87 control word (2 bytes)    0x08 unused (shadow-stack slot when built for CET)
 *     0x10 r12  0x18 r13  0x20 r14  0x28 r15  0x30 rbx  0x38 rbp    0x40 resume address
 * so a context saved here can be resumed by jump_fcontext and vice versa, and make_fcontext's fresh contexts
 * work. On resumption the resumer's saved context is in rax and rdi, the data word in rdx and rsi (a
 * transfer_t, for code compiled against jump_fcontext). The data word is always `jumper | action`
 * (coroutine_impl.hpp: tag()).
 *
 * Not used with sanitizers (the switch must be announced to them; switch_to does it) nor with CET (the landing
 * pads carry no endbr64). */

#if defined(__x86_64__) && defined(__ELF__)

/* Saves the callee-saved state under a resume address already pushed (by a call, or by hand), switches to the context in rdi, and
 * resumes it with rax = rdi = our context, rdx = rsi = the data word. */
.macro SWITCH_TO_RDI
    leaq    -0x40(%rsp), %rsp
    stmxcsr (%rsp)
    fnstcw  0x4(%rsp)
    movq    %r12, 0x10(%rsp)
    movq    %r13, 0x18(%rsp)
    movq    %r14, 0x20(%rsp)
    movq    %r15, 0x28(%rsp)
    movq    %rbx, 0x30(%rsp)
    movq    %rbp, 0x38(%rsp)
    movq    %rsp, %rax
    movq    %rdi, %rsp
    movq    0x40(%rsp), %r8
    /* The x87 control word and MXCSR's control bits are callee-saved (SysV ABI), so the resumed side gets its
     * own back. MXCSR's status bits (sticky exception flags) are not, and ldmxcsr/fldcw that change the
     * register serialise the pipeline: once floating-point code has set a flag in one context, reloading
     * them on every switch (as jump_fcontext does) made a round trip ten times slower. Load only when the
     * control parts differ, which is almost never. */
    movl    (%rax), %ecx
    xorl    (%rsp), %ecx
    testl   $0xffc0, %ecx
    jz      1f
    ldmxcsr (%rsp)
1:  movzwl  0x4(%rax), %ecx
    cmpw    0x4(%rsp), %cx
    je      2f
    fldcw   0x4(%rsp)
2:  movq    0x10(%rsp), %r12
    movq    0x18(%rsp), %r13
    movq    0x20(%rsp), %r14
    movq    0x28(%rsp), %r15
    movq    0x30(%rsp), %rbx
    movq    0x38(%rsp), %rbp
    leaq    0x48(%rsp), %rsp
    movq    %rsi, %rdx
    movq    %rax, %rdi
    jmp     *%r8
.endm

/* Offsets into corosim::Coroutine, checked by static_assert in fcontext_fast.hpp. */
.set COROUTINE_FCTX, 8
.set COROUTINE_WAKEUP_HEAD, 16

/* transfer_t corosim_fctx_jump(void *to_context, void *data)
 * jump_fcontext itself, but local (no PLT) and with the MXCSR/x87 handling above: called like it, it resumes
 * its caller with the transfer_t {resumer's context, data} in rax:rdx. Used by switch_to. */
    .text
    .globl  corosim_fctx_jump
    .hidden corosim_fctx_jump
    .type   corosim_fctx_jump, @function
    .p2align 4
corosim_fctx_jump:
    SWITCH_TO_RDI
    .size   corosim_fctx_jump, .-corosim_fctx_jump

/* void corosim_fctx_switch(void *to_context, void *data)        data = self | yield or self | terminate
 * Tail-called by yield() (so we return straight to yield()'s caller), called by the trampoline to terminate (a
 * pooled coroutine's next entry returns there). Local to this library: no PLT on the way, unlike
 * jump_fcontext. */
    .text
    .globl  corosim_fctx_switch
    .hidden corosim_fctx_switch
    .type   corosim_fctx_switch, @function
    .p2align 4
corosim_fctx_switch:
    leaq    8f(%rip), %rax
    pushq   %rax
    SWITCH_TO_RDI
8:  /* Entered again: rax = the enterer's context, rdx = enterer | enter. Save it in the enterer. */
    andq    $-4, %rdx
    movq    %rax, COROUTINE_FCTX(%rdx)
    popq    %rcx
    jmp     *%rcx
    .size   corosim_fctx_switch, .-corosim_fctx_switch

/* void corosim_fctx_enter(void *to_context, void *data, Coroutine *to)     data = from | enter
 * Tail-called by coroutine_enter(). When `to` comes back it is always `to` that jumps (only the coroutine we
 * entered yields or terminates to us). A yield with an empty wake-up queue is the whole job: return at once.
 * Anything else (termination, queued wake-ups) is finished by corosim_fctx_enter_finish, which is called,
 * not jumped to, so that its own return is predicted. */
    .globl  corosim_fctx_enter
    .hidden corosim_fctx_enter
    .type   corosim_fctx_enter, @function
    .p2align 4
corosim_fctx_enter:
    pushq   %rdx
    leaq    8f(%rip), %rax
    pushq   %rax
    SWITCH_TO_RDI
8:  popq    %rdi                               /* to */
    movq    %rax, COROUTINE_FCTX(%rdi)
    andl    $3, %edx                           /* the action */
    cmpl    $2, %edx                           /* Action::yield */
    jne     9f
    cmpq    $0, COROUTINE_WAKEUP_HEAD(%rdi)
    jne     9f
    popq    %rcx
    jmp     *%rcx
9:  movl    %edx, %esi
    subq    $8, %rsp                           /* 16-byte alignment for the call */
    call    corosim_fctx_enter_finish
    addq    $8, %rsp
    popq    %rcx
    jmp     *%rcx
    .size   corosim_fctx_enter, .-corosim_fctx_enter

#endif

    .section .note.GNU-stack,"",@progbits
