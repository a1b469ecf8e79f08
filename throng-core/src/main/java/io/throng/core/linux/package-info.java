/**
 * The Linux system calls of the epoll transport, bound with the Foreign Function and Memory API
 * (no JNI, no C). Not exported. Every binding is here, each struct has one class with its layout,
 * and errno is captured with {@code Linker.Option.captureCallState} into a segment the caller owns
 * (one per thread), so no call allocates. Calls that cannot block are linked {@code critical};
 * {@code epoll_wait} with a timeout never is, since a thread blocked in a critical call would hold
 * up every safepoint of the JVM.
 */
package io.throng.core.linux;
