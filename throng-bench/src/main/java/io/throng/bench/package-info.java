/**
 * {@code throng bench}: every server configuration in a process of its own, driven by the load
 * generator, measured from outside (/proc, jcmd), repeated and interleaved, and reported.
 */
package io.throng.bench;
