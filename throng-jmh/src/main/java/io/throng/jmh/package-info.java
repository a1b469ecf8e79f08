/** JMH microbenchmarks: the socket path through FFM against NIO. Run with scripts/jmh.sh, not as tests. */
package io.throng.jmh;
