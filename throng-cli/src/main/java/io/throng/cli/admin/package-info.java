/** The admin port options every server command shares ({@code --admin-port}, {@code --admin-host}). */
package io.throng.cli.admin;
