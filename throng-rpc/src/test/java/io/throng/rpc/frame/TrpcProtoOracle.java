package io.throng.rpc.frame;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;

/**
 * tRPC's RequestProtocol and ResponseProtocol as protobuf-java descriptors, built in code from the
 * field table of trpc.proto (no generated classes, no protoc): the independent reference our
 * hand-written codec is checked against with {@code DynamicMessage}.
 */
final class TrpcProtoOracle {
    static final Descriptor REQUEST;
    static final Descriptor RESPONSE;

    static {
        DescriptorProto request = DescriptorProto.newBuilder().setName("RequestProtocol")
                .addField(scalar("version", 1, Type.TYPE_UINT32))
                .addField(scalar("call_type", 2, Type.TYPE_UINT32))
                .addField(scalar("request_id", 3, Type.TYPE_UINT32))
                .addField(scalar("timeout", 4, Type.TYPE_UINT32))
                .addField(scalar("caller", 5, Type.TYPE_BYTES))
                .addField(scalar("callee", 6, Type.TYPE_BYTES))
                .addField(scalar("func", 7, Type.TYPE_BYTES))
                .addField(scalar("message_type", 8, Type.TYPE_UINT32))
                .addField(map("trans_info", 9, ".trpc.RequestProtocol.TransInfoEntry"))
                .addField(scalar("content_type", 10, Type.TYPE_UINT32))
                .addField(scalar("content_encoding", 11, Type.TYPE_UINT32))
                .addField(scalar("attachment_size", 12, Type.TYPE_UINT32))
                .addNestedType(entry())
                .build();
        DescriptorProto response = DescriptorProto.newBuilder().setName("ResponseProtocol")
                .addField(scalar("version", 1, Type.TYPE_UINT32))
                .addField(scalar("call_type", 2, Type.TYPE_UINT32))
                .addField(scalar("request_id", 3, Type.TYPE_UINT32))
                .addField(scalar("ret", 4, Type.TYPE_INT32))
                .addField(scalar("func_ret", 5, Type.TYPE_INT32))
                .addField(scalar("error_msg", 6, Type.TYPE_BYTES))
                .addField(scalar("message_type", 7, Type.TYPE_UINT32))
                .addField(map("trans_info", 8, ".trpc.ResponseProtocol.TransInfoEntry"))
                .addField(scalar("content_type", 9, Type.TYPE_UINT32))
                .addField(scalar("content_encoding", 10, Type.TYPE_UINT32))
                .addField(scalar("attachment_size", 12, Type.TYPE_UINT32))
                .addNestedType(entry())
                .build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("trpc.proto").setPackage("trpc")
                .setSyntax("proto3").addMessageType(request).addMessageType(response).build();
        try {
            FileDescriptor fd = FileDescriptor.buildFrom(file, new FileDescriptor[0]);
            REQUEST = fd.findMessageTypeByName("RequestProtocol");
            RESPONSE = fd.findMessageTypeByName("ResponseProtocol");
        } catch (DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TrpcProtoOracle() {
    }

    private static FieldDescriptorProto scalar(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(Label.LABEL_OPTIONAL).build();
    }

    private static FieldDescriptorProto map(String name, int number, String entryType) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(Type.TYPE_MESSAGE)
                .setTypeName(entryType).setLabel(Label.LABEL_REPEATED).build();
    }

    private static DescriptorProto entry() {
        return DescriptorProto.newBuilder().setName("TransInfoEntry")
                .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                .addField(scalar("key", 1, Type.TYPE_STRING))
                .addField(scalar("value", 2, Type.TYPE_BYTES))
                .build();
    }
}
