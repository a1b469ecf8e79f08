package io.throng.rpc.frame;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * The hand-written header codec against protobuf-java (DynamicMessage over descriptors built from
 * trpc.proto's field table), with random values, both directions, byte for byte.
 */
class HeaderCodecTest {

    @RepeatedTest(300)
    void requestHeadersMatchProtobufJava(RepetitionInfo rep) throws Exception {
        Random rnd = new Random(1000 + rep.getCurrentRepetition());
        RequestHeader h = new RequestHeader(anyInt(rnd), anyInt(rnd), anyInt(rnd), anyInt(rnd), text(rnd), text(rnd),
                text(rnd), anyInt(rnd), transInfo(rnd), anyInt(rnd), anyInt(rnd), rnd.nextInt(Integer.MAX_VALUE));
        byte[] ours = new byte[h.encodedSize()];
        assertThat(h.encodeTo(ours, 0)).isEqualTo(ours.length);

        Descriptor d = TrpcProtoOracle.REQUEST;
        DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
        uint(b, d, "version", h.version());
        uint(b, d, "call_type", h.callType());
        uint(b, d, "request_id", h.requestId());
        uint(b, d, "timeout", h.timeoutMs());
        bytes(b, d, "caller", h.caller());
        bytes(b, d, "callee", h.callee());
        bytes(b, d, "func", h.func());
        uint(b, d, "message_type", h.messageType());
        entries(b, d, "trans_info", h.transInfo());
        uint(b, d, "content_type", h.contentType());
        uint(b, d, "content_encoding", h.contentEncoding());
        uint(b, d, "attachment_size", h.attachmentSize());
        DynamicMessage theirs = b.build();
        assertThat(ours).isEqualTo(theirs.toByteArray());

        RequestHeader back = RequestHeader.decode(ByteBuffer.wrap(theirs.toByteArray()), 0, ours.length);
        assertSame(back, h);
    }

    @RepeatedTest(300)
    void responseHeadersMatchProtobufJava(RepetitionInfo rep) throws Exception {
        Random rnd = new Random(5000 + rep.getCurrentRepetition());
        ResponseHeader h = new ResponseHeader(anyInt(rnd), anyInt(rnd), anyInt(rnd), anyInt(rnd), anyInt(rnd), text(rnd),
                anyInt(rnd), transInfo(rnd), anyInt(rnd), anyInt(rnd), rnd.nextInt(Integer.MAX_VALUE));
        byte[] ours = new byte[h.encodedSize()];
        h.encodeTo(ours, 0);
        Descriptor d = TrpcProtoOracle.RESPONSE;
        DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
        uint(b, d, "version", h.version());
        uint(b, d, "call_type", h.callType());
        uint(b, d, "request_id", h.requestId());
        uint(b, d, "ret", h.ret());
        uint(b, d, "func_ret", h.funcRet());
        bytes(b, d, "error_msg", h.errorMsg());
        uint(b, d, "message_type", h.messageType());
        entries(b, d, "trans_info", h.transInfo());
        uint(b, d, "content_type", h.contentType());
        uint(b, d, "content_encoding", h.contentEncoding());
        uint(b, d, "attachment_size", h.attachmentSize());
        DynamicMessage theirs = b.build();
        assertThat(ours).isEqualTo(theirs.toByteArray());
        // and ours parses in protobuf-java with every field as set
        DynamicMessage parsed = DynamicMessage.parseFrom(d, ours);
        assertThat(parsed.getField(d.findFieldByName("ret"))).isEqualTo(h.ret());
        assertThat(((ByteString) parsed.getField(d.findFieldByName("error_msg"))).toStringUtf8()).isEqualTo(h.errorMsg());
        assertThat(parsed.getRepeatedFieldCount(d.findFieldByName("trans_info"))).isEqualTo(h.transInfo().size());
    }

    @RepeatedTest(100)
    void unknownFieldsFromANewerPeerAreSkipped(RepetitionInfo rep) throws Exception {
        Random rnd = new Random(9000 + rep.getCurrentRepetition());
        Descriptor d = TrpcProtoOracle.REQUEST;
        DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
        uint(b, d, "request_id", 77);
        bytes(b, d, "func", "/a.B/C");
        uint(b, d, "attachment_size", 3);
        UnknownFieldSet.Builder unknown = UnknownFieldSet.newBuilder();
        for (int i = 0; i < 1 + rnd.nextInt(5); i++) {
            int number = 13 + rnd.nextInt(1000);
            UnknownFieldSet.Field.Builder f = UnknownFieldSet.Field.newBuilder();
            switch (rnd.nextInt(4)) {
                case 0 -> f.addVarint(rnd.nextLong());
                case 1 -> f.addFixed32(rnd.nextInt());
                case 2 -> f.addFixed64(rnd.nextLong());
                default -> f.addLengthDelimited(ByteString.copyFromUtf8(text(rnd)));
            }
            unknown.addField(number, f.build());
        }
        byte[] wire = b.setUnknownFields(unknown.build()).build().toByteArray();
        RequestHeader h = RequestHeader.decode(ByteBuffer.wrap(wire), 0, wire.length);
        assertThat(h.requestId()).isEqualTo(77);
        assertThat(h.func()).isEqualTo("/a.B/C");
        assertThat(h.attachmentSize()).isEqualTo(3);
    }

    private static void assertSame(RequestHeader a, RequestHeader b) {
        assertThat(strip(a)).isEqualTo(strip(b));
        assertThat(a.transInfo().keySet()).containsExactlyElementsOf(b.transInfo().keySet());
        for (String k : a.transInfo().keySet()) {
            assertThat(a.transInfo().get(k)).isEqualTo(b.transInfo().get(k));
        }
    }

    private static RequestHeader strip(RequestHeader h) {
        return new RequestHeader(h.version(), h.callType(), h.requestId(), h.timeoutMs(), h.caller(), h.callee(),
                h.func(), h.messageType(), Map.of(), h.contentType(), h.contentEncoding(), h.attachmentSize());
    }

    static int anyInt(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(128);
            case 2 -> -1 - rnd.nextInt(10);
            default -> rnd.nextInt();
        };
    }

    static String text(Random rnd) {
        List<String> pool = List.of("", "trpc.app.server.service", "/trpc.throng.echo.Echo/Echo", "ünïcödé ☃", "x");
        if (rnd.nextBoolean()) {
            return pool.get(rnd.nextInt(pool.size()));
        }
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(40); i > 0; i--) {
            sb.append((char) (rnd.nextBoolean() ? 'a' + rnd.nextInt(26) : 0x80 + rnd.nextInt(0x700)));
        }
        return sb.toString();
    }

    static Map<String, byte[]> transInfo(Random rnd) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            // non-empty: DynamicMessage leaves an empty map value out of its entry, protobuf-java's
            // generated maps (and we) always write it; both parse either way
            byte[] v = new byte[1 + rnd.nextInt(20)];
            rnd.nextBytes(v);
            m.put("trpc-" + text(rnd) + i, v);
        }
        return m;
    }

    private static void uint(Message.Builder b, Descriptor d, String name, int v) {
        if (v != 0) {
            b.setField(d.findFieldByName(name), v);
        }
    }

    private static void bytes(Message.Builder b, Descriptor d, String name, String v) {
        if (!v.isEmpty()) {
            b.setField(d.findFieldByName(name), ByteString.copyFrom(v, StandardCharsets.UTF_8));
        }
    }

    private static void entries(Message.Builder b, Descriptor d, String name, Map<String, byte[]> map) {
        FieldDescriptor f = d.findFieldByName(name);
        Descriptor entry = f.getMessageType();
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            b.addRepeatedField(f, DynamicMessage.newBuilder(entry)
                    .setField(entry.findFieldByName("key"), e.getKey())
                    .setField(entry.findFieldByName("value"), ByteString.copyFrom(e.getValue()))
                    .build());
        }
    }
}
