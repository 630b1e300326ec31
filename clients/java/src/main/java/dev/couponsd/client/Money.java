package dev.couponsd.client;

/**
 * Exact conversion between decimal strings ("150.00") and integer minor units
 * (15000), by each ISO 4217 currency's decimals. No floating point anywhere.
 */
public final class Money {
    private Money() {}

    /** "150.00" USD gives 15000. A leading '-' is accepted. */
    public static long parse(String amount, String currency) {
        int places = Currencies.decimals(currency);
        if (places < 0) {
            throw new IllegalArgumentException("unknown currency \"" + currency + "\": expected an ISO 4217 code such as USD");
        }
        try {
            return scaled(amount, places);
        } catch (TooPrecise e) {
            throw new IllegalArgumentException("\"" + amount + "\" has more decimals than " + currency
                    + " allows (" + places + ")");
        }
    }

    /** A decimal string scaled by 10^places, exactly: ("12.5", 2) gives 1250. */
    public static long parseDecimal(String amount, int places) {
        try {
            return scaled(amount, places);
        } catch (TooPrecise e) {
            throw new IllegalArgumentException("\"" + amount + "\" has more than " + places + " decimals");
        }
    }

    private static long scaled(String amount, int places) {
        String text = amount.trim();
        boolean negative = text.startsWith("-");
        String digits = negative ? text.substring(1) : text;
        int dot = digits.indexOf('.');
        String whole = dot < 0 ? digits : digits.substring(0, dot);
        String frac = dot < 0 ? "" : digits.substring(dot + 1);
        if (whole.isEmpty() || !allDigits(whole) || !allDigits(frac) || digits.endsWith(".")) {
            throw new IllegalArgumentException("\"" + amount + "\" is not a decimal amount such as 150.00");
        }
        if (frac.length() > places) {
            throw new TooPrecise();
        }
        long value = 0;
        try {
            for (char ch : (whole + frac).toCharArray()) {
                value = Math.addExact(Math.multiplyExact(value, 10), ch - '0');
            }
            for (int i = frac.length(); i < places; i++) {
                value = Math.multiplyExact(value, 10);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("\"" + amount + "\" is too large");
        }
        return negative ? -value : value;
    }

    /** 15000 USD gives "150.00"; an unknown currency prints with two decimals. */
    public static String format(long minor, String currency) {
        int places = Currencies.decimals(currency);
        if (places < 0) {
            places = 2;
        }
        if (places == 0) {
            return Long.toString(minor);
        }
        // Unsigned magnitude: Long.MIN_VALUE has no positive long.
        String abs = minor < 0 ? Long.toUnsignedString(-minor) : Long.toString(minor);
        StringBuilder digits = new StringBuilder(abs);
        while (digits.length() <= places) {
            digits.insert(0, '0');
        }
        digits.insert(digits.length() - places, '.');
        return (minor < 0 ? "-" : "") + digits;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static final class TooPrecise extends RuntimeException {
        TooPrecise() {
            super(null, null, false, false);
        }
    }
}
