package io.throng.websocket.bus;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A prefork worker's side of the embedded bus: one Unix domain socket to the supervisor's {@link
 * HubServer}. Publishes are written (the hub acknowledges nothing: it lives and dies with the
 * workers' supervisor, and a worker whose supervisor is gone stops), messages come back on the
 * same socket.
 */
public final class HubBroker implements Broker {
    private final Path socket;
    private final int maxPayload;

    /**
     * @param socket     the hub's socket (the supervisor passes it to the worker)
     * @param maxPayload the largest message the hub may send (the push service's max-message)
     */
    public HubBroker(Path socket, int maxPayload) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.maxPayload = maxPayload;
    }

    @Override
    public String name() {
        return "embedded";
    }

    /** Yes: the hub keeps every channel's history for all workers. */
    @Override
    public boolean keepsHistory() {
        return true;
    }

    /** Yes: the hub copies a question to the workers and brings their replies back. */
    @Override
    public boolean gathers() {
        return true;
    }

    @Override
    public Session connect(Inbound inbound) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot reach the prefork hub at " + socket + ": " + e.getMessage(), e);
        }
        HubSession s = new HubSession(ch);
        s.reader = Thread.ofPlatform().daemon().name("throng-bus-hub-reader").start(() -> s.read(inbound));
        return s;
    }

    private final class HubSession implements Session {
        private final SocketChannel channel;
        private ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        private volatile boolean closing;
        volatile Thread reader;

        HubSession(SocketChannel channel) {
            this.channel = channel;
        }

        void read(Inbound inbound) {
            try {
                // a stored message adds its offset and epoch; an answer may carry a whole recovery
                int limit = Math.max(maxPayload + HubFrames.HEADROOM, HubServer.ANSWER_BUDGET + 1024);
                HubFrames.readAll(channel, limit, (op, name, payload) -> {
                    switch (op) {
                        case HubFrames.MESSAGE -> inbound.message(name, payload);
                        case HubFrames.STORED -> {
                            long offset = payload.getLong();
                            String epoch = HubFrames.epoch(payload);
                            inbound.messageAt(name, payload, offset, epoch);
                        }
                        case HubFrames.ANSWER -> {
                            long id = payload.getLong();
                            inbound.answer(id, HubFrames.answer(payload));
                        }
                        case HubFrames.ASK -> {
                            long askId = payload.getLong();
                            inbound.ask(name, askId, HubFrames.rest(payload));
                        }
                        case HubFrames.GATHERED -> {
                            long id = payload.getLong();
                            inbound.gathered(id, HubFrames.gathered(payload));
                        }
                        default -> throw new IOException("the hub sent op " + op + ", which only workers send");
                    }
                });
                if (!closing) {
                    inbound.failed(new IOException("the prefork hub closed the connection"));
                }
            } catch (IOException e) {
                if (!closing) {
                    inbound.failed(e);
                }
            }
        }

        @Override
        public void subscribe(List<String> channels) throws IOException {
            control(HubFrames.SUBSCRIBE, channels);
        }

        @Override
        public void unsubscribe(List<String> channels) throws IOException {
            control(HubFrames.UNSUBSCRIBE, channels);
        }

        private void control(byte op, List<String> channels) throws IOException {
            int size = 0;
            for (String c : channels) {
                size += HubFrames.size(c, 0, false);
            }
            ByteBuffer b = buffer(size);
            for (String c : channels) {
                HubFrames.put(b, op, c, null);
            }
            writeOut(b);
        }

        @Override
        public void publish(List<Message> batch) throws IOException {
            long size = 0;
            ByteBuffer[] payloads = new ByteBuffer[batch.size()];
            for (int i = 0; i < payloads.length; i++) {
                Message m = batch.get(i);
                payloads[i] = switch (m.request()) {
                    case null -> m.store() != null ? HubFrames.storePayload(m.store(), m.payload()) : ByteBuffer.wrap(m.payload());
                    case HistoryQuery q -> HubFrames.queryPayload(m.requestId(), q);
                    case Broker.Ask a -> {
                        ByteBuffer b = ByteBuffer.allocate(8 + 1 + a.question().length).putLong(m.requestId());
                        yield b.put((byte) (a.scope() == Gathering.Scope.ALL ? 1 : 0)).put(a.question()).flip();
                    }
                    case Broker.Tell t -> HubFrames.idAnd(m.requestId(), t.reply());
                };
                size += HubFrames.size(m.channel(), payloads[i].remaining(), true);
            }
            if (size > Integer.MAX_VALUE - 64) {
                // a batch larger than one buffer: one frame at a time
                for (Message m : batch) {
                    publish(List.of(m));
                }
                return;
            }
            ByteBuffer b = buffer((int) size);
            for (int i = 0; i < payloads.length; i++) {
                Message m = batch.get(i);
                byte op = switch (m.request()) {
                    case null -> m.store() != null ? HubFrames.STORE : HubFrames.PUBLISH;
                    case HistoryQuery q -> HubFrames.QUERY;
                    case Broker.Ask a -> HubFrames.GATHER;
                    case Broker.Tell t -> HubFrames.TELL;
                };
                HubFrames.put(b, op, m.channel(), payloads[i]);
            }
            writeOut(b);
        }

        /** The link thread's reusable output buffer, cleared, with room for {@code size} bytes. */
        private ByteBuffer buffer(int size) {
            if (out.capacity() < size || (out.capacity() > 1 << 20 && size <= 64 * 1024)) {
                out = ByteBuffer.allocate(Math.max(size, 64 * 1024));
            }
            return out.clear();
        }

        private void writeOut(ByteBuffer b) throws IOException {
            b.flip();
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        @Override
        public void heartbeat() {
            // a Unix socket to our own supervisor: its end is seen at once as the end of the stream
        }

        @Override
        public void close() {
            closing = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            Thread r = reader;
            if (r != null && r != Thread.currentThread()) {
                try {
                    r.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
