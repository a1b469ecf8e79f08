/** The load generator: TCP echo loads and WebSocket subscribers, measured with HdrHistogram. */
module io.throng.load {
    requires transitive io.throng.websocket;
    requires java.net.http;
    requires HdrHistogram;
    requires com.fasterxml.jackson.databind;

    exports io.throng.load;
    // results are written and read as JSON by Jackson, which reflects on their records
    opens io.throng.load to com.fasterxml.jackson.databind;
}
