package io.throng.rpc.frame;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/** Stream metas (INIT, CLOSE, FEEDBACK) checked against protobuf-java descriptors of trpc.proto's stream messages. */
class StreamCodecTest {
    static final Descriptor INIT;
    static final Descriptor CLOSE;

    static {
        DescriptorProto reqMeta = DescriptorProto.newBuilder().setName("TrpcStreamInitRequestMeta")
                .addField(f("caller", 1, Type.TYPE_BYTES)).addField(f("callee", 2, Type.TYPE_BYTES))
                .addField(f("func", 3, Type.TYPE_BYTES)).addField(f("message_type", 4, Type.TYPE_UINT32)).build();
        DescriptorProto rspMeta = DescriptorProto.newBuilder().setName("TrpcStreamInitResponseMeta")
                .addField(f("ret", 1, Type.TYPE_INT32)).addField(f("error_msg", 2, Type.TYPE_BYTES)).build();
        DescriptorProto init = DescriptorProto.newBuilder().setName("TrpcStreamInitMeta")
                .addField(m("request_meta", 1, ".trpc.TrpcStreamInitRequestMeta"))
                .addField(m("response_meta", 2, ".trpc.TrpcStreamInitResponseMeta"))
                .addField(f("init_window_size", 3, Type.TYPE_UINT32)).addField(f("content_type", 4, Type.TYPE_UINT32))
                .addField(f("content_encoding", 5, Type.TYPE_UINT32)).build();
        DescriptorProto close = DescriptorProto.newBuilder().setName("TrpcStreamCloseMeta")
                .addField(f("close_type", 1, Type.TYPE_INT32)).addField(f("ret", 2, Type.TYPE_INT32))
                .addField(f("msg", 3, Type.TYPE_BYTES)).addField(f("message_type", 4, Type.TYPE_UINT32))
                .addField(f("func_ret", 6, Type.TYPE_INT32)).build();
        try {
            FileDescriptor fd = FileDescriptor.buildFrom(FileDescriptorProto.newBuilder().setName("s.proto").setPackage("trpc")
                    .setSyntax("proto3").addMessageType(reqMeta).addMessageType(rspMeta).addMessageType(init)
                    .addMessageType(close).build(), new FileDescriptor[0]);
            INIT = fd.findMessageTypeByName("TrpcStreamInitMeta");
            CLOSE = fd.findMessageTypeByName("TrpcStreamCloseMeta");
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static FieldDescriptorProto f(String name, int n, Type t) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(n).setType(t).setLabel(Label.LABEL_OPTIONAL).build();
    }

    static FieldDescriptorProto m(String name, int n, String type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(n).setType(Type.TYPE_MESSAGE).setTypeName(type)
                .setLabel(Label.LABEL_OPTIONAL).build();
    }

    @RepeatedTest(100)
    void initAndCloseMetasMatchProtobufJava(RepetitionInfo rep) throws Exception {
        Random rnd = new Random(rep.getCurrentRepetition());
        boolean response = rnd.nextBoolean();
        String func = "/" + HeaderCodecTest.text(rnd) + "/M";
        int ret = HeaderCodecTest.anyInt(rnd);
        String msg = HeaderCodecTest.text(rnd);
        int window = rnd.nextInt(1 << 20);
        StreamFrames.Init init = new StreamFrames.Init("trpc.a.b.c", "", func, 0, Map.of(), response, ret, msg, window, 0, 0);
        byte[] frame = StreamFrames.init(100 + rep.getCurrentRepetition(), init, FrameLimits.DEFAULT);
        DynamicMessage parsed = DynamicMessage.parseFrom(INIT, ByteString.copyFrom(frame, 16, frame.length - 16));
        assertThat(parsed.getField(INIT.findFieldByName("init_window_size"))).isEqualTo(window);
        if (response) {
            DynamicMessage rm = (DynamicMessage) parsed.getField(INIT.findFieldByName("response_meta"));
            assertThat(rm.getField(rm.getDescriptorForType().findFieldByName("ret"))).isEqualTo(ret);
            assertThat(((ByteString) rm.getField(rm.getDescriptorForType().findFieldByName("error_msg"))).toStringUtf8()).isEqualTo(msg);
        } else {
            DynamicMessage q = (DynamicMessage) parsed.getField(INIT.findFieldByName("request_meta"));
            assertThat(((ByteString) q.getField(q.getDescriptorForType().findFieldByName("func"))).toStringUtf8()).isEqualTo(func);
        }
        ByteBuffer in = ByteBuffer.wrap(frame);
        StreamFrames.Init back = StreamFrames.decodeInit(in, FrameHeader.peek(in, FrameLimits.DEFAULT));
        assertThat(back.response()).isEqualTo(response);
        assertThat(back.windowSize()).isEqualTo(window);
        assertThat(response ? back.errorMsg() : back.func()).isEqualTo(response ? msg : func);

        StreamFrames.Close close = new StreamFrames.Close(rnd.nextInt(2), ret, msg, 0, Map.of(), HeaderCodecTest.anyInt(rnd));
        byte[] cf = StreamFrames.close(7, close, FrameLimits.DEFAULT);
        DynamicMessage pc = DynamicMessage.parseFrom(CLOSE, ByteString.copyFrom(cf, 16, cf.length - 16));
        assertThat(pc.getField(CLOSE.findFieldByName("close_type"))).isEqualTo(close.closeType());
        assertThat(pc.getField(CLOSE.findFieldByName("ret"))).isEqualTo(close.ret());
        assertThat(pc.getField(CLOSE.findFieldByName("func_ret"))).isEqualTo(close.funcRet());
        ByteBuffer cin = ByteBuffer.wrap(cf);
        assertThat(StreamFrames.decodeClose(cin, FrameHeader.peek(cin, FrameLimits.DEFAULT))).isEqualTo(close);

        byte[] fb = StreamFrames.feedback(9, window + 1, FrameLimits.DEFAULT);
        ByteBuffer fin = ByteBuffer.wrap(fb);
        FrameHeader fh = FrameHeader.peek(fin, FrameLimits.DEFAULT);
        assertThat(fh.dataFrameType()).isEqualTo(FrameHeader.STREAM);
        assertThat(fh.headerSize()).isZero();
        assertThat(StreamFrames.decodeFeedback(fin, fh)).isEqualTo(window + 1);
    }
}
