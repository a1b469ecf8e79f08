/**
 * Plumbing shared by the server and the clients: the process-wide
 * deadline timer and rate-limited logging. Every class here is safe from any thread.
 */
package io.throng.rpc.conn;
