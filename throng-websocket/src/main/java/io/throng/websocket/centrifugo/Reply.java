package io.throng.websocket.centrifugo;

import io.throng.websocket.WebSocket;

/**
 * What a command or a server API call answers: code 0 and its result object as JSON, or an error
 * code and, in {@code resultJson}, null or a detail the error's message adds (the API shows it;
 * the client protocol's error carries the code's message only).
 */
record Reply(int code, String resultJson) {
    static final Reply EMPTY = new Reply(0, "{}");

    static Reply error(int code) {
        return new Reply(code, null);
    }

    /** Answers command {@code id}: {@code {"id":N,"<method>":<result>}}, or the error. True: the connection reads on. */
    boolean sendTo(WebSocket ws, long id, String method) {
        if (code != 0) {
            return sendError(ws, id, code);
        }
        ws.sendText("{\"id\":" + id + ",\"" + method + "\":" + resultJson + "}");
        return true;
    }

    /** Answers command {@code id} with error {@code code} and its message. True: the connection reads on. */
    static boolean sendError(WebSocket ws, long id, int code) {
        ws.sendText("{\"id\":" + id + ",\"error\":{\"code\":" + code + ",\"message\":\"" + Codes.message(code) + "\"}}");
        return true;
    }
}
