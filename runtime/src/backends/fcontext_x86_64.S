/* Fast-path switch stubs for the fcontext backend on x86-64 (System V, ELF).
 *
 * Why they exist: after a stack switch, a `ret` in the function that switched (yield(), coroutine_enter())
 * returns to an address the CPU's return-stack predictor did not see pushed on this stack, so every such `ret`
 * mispredicts; two per enter+yield round trip cost more than the switches themselves. These stubs are
 * tail-called by yield() and coroutine_enter() and leave by `pop; jmp *reg`, which the indirect-branch
 * predictor learns. (Measured: a wrapper returning by ret 45 ns per round trip, by pop+jmp 18 ns, the raw
 * jump_fcontext loop 14 ns.)
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

/* Saves the callee-saved state under a resume address already pushed, switches to the context in rdi, and
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
    ldmxcsr (%rsp)
    fldcw   0x4(%rsp)
    movq    0x10(%rsp), %r12
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

/* void corosim_fctx_yield(void *to_context, void *data)        data = self | yield
 * Tail-called by yield(): our return address is yield()'s caller's. */
    .text
    .globl  corosim_fctx_yield
    .hidden corosim_fctx_yield
    .type   corosim_fctx_yield, @function
    .p2align 4
corosim_fctx_yield:
    leaq    1f(%rip), %rax
    pushq   %rax
    SWITCH_TO_RDI
1:  /* Entered again: rax = the enterer's context, rdx = enterer | enter. Save it in the enterer. */
    andq    $-4, %rdx
    movq    %rax, COROUTINE_FCTX(%rdx)
    popq    %rcx
    jmp     *%rcx
    .size   corosim_fctx_yield, .-corosim_fctx_yield

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
    leaq    1f(%rip), %rax
    pushq   %rax
    SWITCH_TO_RDI
1:  popq    %rdi                               /* to */
    movq    %rax, COROUTINE_FCTX(%rdi)
    andl    $3, %edx                           /* the action */
    cmpl    $2, %edx                           /* Action::yield */
    jne     2f
    cmpq    $0, COROUTINE_WAKEUP_HEAD(%rdi)
    jne     2f
    popq    %rcx
    jmp     *%rcx
2:  movl    %edx, %esi
    subq    $8, %rsp                           /* 16-byte alignment for the call */
    call    corosim_fctx_enter_finish
    addq    $8, %rsp
    popq    %rcx
    jmp     *%rcx
    .size   corosim_fctx_enter, .-corosim_fctx_enter

#endif

    .section .note.GNU-stack,"",@progbits
