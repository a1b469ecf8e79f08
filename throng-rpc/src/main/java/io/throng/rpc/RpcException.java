package io.throng.rpc;

import io.throng.rpc.frame.RetCode;

/**
 * A failed call, with tRPC's code. A framework error ({@code ret}: no such func, overload, timeout,
 * network) has {@link #business()} false; an error the service itself returned ({@code func_ret})
 * has it true. Server handlers throw it to answer with a chosen code.
 */
public class RpcException extends RuntimeException {
    private final int code;
    private final boolean business;

    public RpcException(int code, String message) {
        this(code, false, message, null);
    }

    public RpcException(int code, String message, Throwable cause) {
        this(code, false, message, cause);
    }

    private RpcException(int code, boolean business, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.business = business;
    }

    /** A business error: carried in {@code func_ret}, with {@code ret} 0. */
    public static RpcException business(int funcRet, String message) {
        return new RpcException(funcRet, true, message, null);
    }

    /** The tRPC code: {@code func_ret} for business errors, {@code ret} (see {@link RetCode}) otherwise. */
    public int code() {
        return code;
    }

    public boolean business() {
        return business;
    }

    @Override
    public String toString() {
        return (business ? "business error " : RetCode.name(code) + " (" + "ret ") + code + (business ? "" : ")")
                + ": " + getMessage();
    }
}
