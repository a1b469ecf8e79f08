/**
 * {@code throng bench --scale N}: N connections held on one machine, server and load together,
 * fitted to the machine's limits (descriptors per process, ephemeral ports, kernel queues and
 * conntrack), measured from outside (/proc) and reported. One thread drives a run; a sampler
 * thread reads /proc every few seconds; everything it shares with the driver is volatile or
 * concurrent.
 */
package io.throng.bench.scale;
