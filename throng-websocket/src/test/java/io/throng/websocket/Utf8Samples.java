package io.throng.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * UTF-8 decoder test sequences in the groups of Autobahn's 6.5-6.23 (after Markus Kuhn's decoder
 * test): valid samples, prefixes, first/last sequences of each length, 5- and 6-byte forms,
 * boundary code points, stray continuation bytes, lonely start bytes, truncated sequences,
 * impossible bytes, overlong forms, surrogates, non-characters, specials; plus random short byte
 * strings. Whether each is valid is decided by the JDK's strict decoder, an oracle independent of
 * ours.
 */
final class Utf8Samples {
    record Sample(String id, String what, byte[] bytes, boolean valid) {
    }

    private Utf8Samples() {
    }

    static boolean jdkValid(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    private static byte[] cp(int codePoint) {
        return new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8);
    }

    static List<Sample> generated() {
        List<Sample> out = new ArrayList<>();
        Adder add = (group, what, bytes) -> out.add(new Sample(group + "." + (1 + (int) out.stream()
                .filter(s -> s.id().startsWith(group + ".")).count()), what, bytes, jdkValid(bytes)));
        byte[] kosme = "\u03ba\u1f79\u03c3\u03bc\u03b5".getBytes(StandardCharsets.UTF_8);
        add.add("6.5", "\u03ba\u1f79\u03c3\u03bc\u03b5", kosme);
        add.add("6.5", "mixed scripts", "a\u00e4\u20ac\ud83d\ude00z".getBytes(StandardCharsets.UTF_8));
        for (int n = 1; n <= kosme.length; n++) {
            add.add("6.6", "prefix of " + n + " bytes", java.util.Arrays.copyOf(kosme, n));
        }
        for (int c : new int[] {0x0, 0x80, 0x800, 0x10000}) {
            add.add("6.7", "first sequence U+" + Integer.toHexString(c), cp(c));
        }
        add.add("6.8", "first 5-byte sequence", b(0xF8, 0x88, 0x80, 0x80, 0x80));
        add.add("6.8", "first 6-byte sequence", b(0xFC, 0x84, 0x80, 0x80, 0x80, 0x80));
        for (int c : new int[] {0x7F, 0x7FF, 0xFFFF}) {
            add.add("6.9", "last sequence U+" + Integer.toHexString(c), cp(c));
        }
        add.add("6.9", "last 4-byte form F7 BF BF BF", b(0xF7, 0xBF, 0xBF, 0xBF));
        add.add("6.10", "last 5-byte sequence", b(0xFB, 0xBF, 0xBF, 0xBF, 0xBF));
        add.add("6.10", "last 6-byte sequence", b(0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF));
        for (int c : new int[] {0xD7FF, 0xE000, 0xFFFD, 0x10FFFF}) {
            add.add("6.11", "boundary U+" + Integer.toHexString(c), cp(c));
        }
        add.add("6.11", "above U+10FFFF", b(0xF4, 0x90, 0x80, 0x80));
        add.add("6.12", "first continuation byte", b(0x80));
        add.add("6.12", "last continuation byte", b(0xBF));
        add.add("6.12", "2 continuation bytes", b(0x80, 0xBF));
        add.add("6.12", "3 continuation bytes", b(0x80, 0xBF, 0x80));
        add.add("6.12", "4 continuation bytes", b(0x80, 0xBF, 0x80, 0xBF));
        byte[] allContinuations = new byte[64];
        for (int i = 0; i < 64; i++) {
            allContinuations[i] = (byte) (0x80 + i);
        }
        add.add("6.12", "all 64 continuation bytes", allContinuations);
        for (int lead : new int[] {0xC0, 0xDF, 0xE0, 0xEF, 0xF0, 0xF7, 0xF8, 0xFC}) {
            add.add("6.13", "lonely start byte " + Integer.toHexString(lead) + " followed by a space", b(lead, 0x20));
        }
        byte[][] truncated = {b(0xC0), b(0xE0, 0x80), b(0xF0, 0x80, 0x80), b(0xF8, 0x80, 0x80, 0x80),
                b(0xFC, 0x80, 0x80, 0x80, 0x80), b(0xDF), b(0xEF, 0xBF), b(0xF7, 0xBF, 0xBF), b(0xE1, 0x80), b(0xF1, 0x80, 0x80)};
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] t : truncated) {
            add.add("6.14", "sequence missing its last byte " + hex(t), t);
            all.writeBytes(t);
        }
        add.add("6.15", "the truncated sequences concatenated", all.toByteArray());
        add.add("6.16", "impossible byte FE", b(0xFE));
        add.add("6.16", "impossible byte FF", b(0xFF));
        add.add("6.16", "FE FE FF FF", b(0xFE, 0xFE, 0xFF, 0xFF));
        add.add("6.17", "overlong '/' in 2 bytes", b(0xC0, 0xAF));
        add.add("6.17", "overlong '/' in 3 bytes", b(0xE0, 0x80, 0xAF));
        add.add("6.17", "overlong '/' in 4 bytes", b(0xF0, 0x80, 0x80, 0xAF));
        add.add("6.17", "overlong '/' in 5 bytes", b(0xF8, 0x80, 0x80, 0x80, 0xAF));
        add.add("6.17", "overlong '/' in 6 bytes", b(0xFC, 0x80, 0x80, 0x80, 0x80, 0xAF));
        add.add("6.18", "maximum overlong 2-byte", b(0xC1, 0xBF));
        add.add("6.18", "maximum overlong 3-byte", b(0xE0, 0x9F, 0xBF));
        add.add("6.18", "maximum overlong 4-byte", b(0xF0, 0x8F, 0xBF, 0xBF));
        add.add("6.18", "maximum overlong 5-byte", b(0xF8, 0x87, 0xBF, 0xBF, 0xBF));
        add.add("6.18", "maximum overlong 6-byte", b(0xFC, 0x83, 0xBF, 0xBF, 0xBF, 0xBF));
        add.add("6.19", "overlong NUL in 2 bytes", b(0xC0, 0x80));
        add.add("6.19", "overlong NUL in 3 bytes", b(0xE0, 0x80, 0x80));
        add.add("6.19", "overlong NUL in 4 bytes", b(0xF0, 0x80, 0x80, 0x80));
        add.add("6.19", "overlong NUL in 5 bytes", b(0xF8, 0x80, 0x80, 0x80, 0x80));
        add.add("6.19", "overlong NUL in 6 bytes", b(0xFC, 0x80, 0x80, 0x80, 0x80, 0x80));
        int[] surrogates = {0xD800, 0xDB7F, 0xDB80, 0xDBFF, 0xDC00, 0xDF80, 0xDFFF};
        for (int s : surrogates) {
            add.add("6.20", "single surrogate U+" + Integer.toHexString(s), surrogate(s));
        }
        int[][] pairs = {{0xD800, 0xDC00}, {0xD800, 0xDFFF}, {0xDB7F, 0xDC00}, {0xDB7F, 0xDFFF}, {0xDB80, 0xDC00},
                {0xDB80, 0xDFFF}, {0xDBFF, 0xDC00}, {0xDBFF, 0xDFFF}};
        for (int[] p : pairs) {
            add.add("6.21", "paired surrogates U+" + Integer.toHexString(p[0]) + " U+" + Integer.toHexString(p[1]),
                    AutobahnCases.concat(surrogate(p[0]), surrogate(p[1])));
        }
        for (int plane = 0; plane <= 16; plane++) {
            add.add("6.22", "non-character U+" + Integer.toHexString(plane * 0x10000 + 0xFFFE), cp(plane * 0x10000 + 0xFFFE));
            add.add("6.22", "non-character U+" + Integer.toHexString(plane * 0x10000 + 0xFFFF), cp(plane * 0x10000 + 0xFFFF));
        }
        for (int c = 0xFDD0; c <= 0xFDEF; c += 8) {
            add.add("6.22", "non-character U+" + Integer.toHexString(c), cp(c));
        }
        for (int c = 0xFFF9; c <= 0xFFFF; c++) {
            add.add("6.23", "special U+" + Integer.toHexString(c), cp(c));
        }
        Random random = new Random(6);
        for (int i = 0; i < 60; i++) {
            byte[] r = new byte[1 + random.nextInt(8)];
            for (int k = 0; k < r.length; k++) {
                int kind = random.nextInt(4);
                r[k] = (byte) (kind == 0 ? random.nextInt(0x80) : kind == 1 ? 0x80 + random.nextInt(0x40)
                        : kind == 2 ? 0xC0 + random.nextInt(0x40) : random.nextInt(256));
            }
            add.add("6.x", "random bytes " + hex(r), r);
        }
        return out;
    }

    /** A surrogate code unit encoded as if it were a code point (CESU style): invalid UTF-8. */
    private static byte[] surrogate(int s) {
        return b(0xE0 | (s >> 12), 0x80 | ((s >> 6) & 0x3F), 0x80 | (s & 0x3F));
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02X", x & 0xFF));
        }
        return sb.toString();
    }

    @FunctionalInterface
    private interface Adder {
        void add(String group, String what, byte[] bytes);
    }
}
