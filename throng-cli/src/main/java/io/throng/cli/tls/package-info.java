/** The TLS options every server command shares ({@code --tls-cert}, {@code --tls-key}, ...). */
package io.throng.cli.tls;
