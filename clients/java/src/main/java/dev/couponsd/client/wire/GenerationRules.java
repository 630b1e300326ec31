package dev.couponsd.client.wire;

/** How a campaign generates codes. */
public record GenerationRules(
        @Wire.U8 int codeLength,
        String prefix,
        String suffix,
        boolean includeLetters,
        boolean includeDigits,
        boolean includeSpecial,
        boolean excludeAmbiguous,
        CodeCheck check,
        @Wire.U8 int macLength) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.codeLength = codeLength;
        b.prefix = prefix;
        b.suffix = suffix;
        b.includeLetters = includeLetters;
        b.includeDigits = includeDigits;
        b.includeSpecial = includeSpecial;
        b.excludeAmbiguous = excludeAmbiguous;
        b.check = check;
        b.macLength = macLength;
        return b;
    }

    /** Builds a {@link GenerationRules} one field at a time. */
    public static final class Builder {
        private int codeLength = 8;
        private String prefix = "";
        private String suffix = "";
        private boolean includeLetters = true;
        private boolean includeDigits = true;
        private boolean includeSpecial = false;
        private boolean excludeAmbiguous = true;
        private CodeCheck check = CodeCheck.NONE;
        private int macLength = 0;

        private Builder() {}

        public Builder codeLength(int codeLength) {
            this.codeLength = codeLength;
            return this;
        }

        public Builder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        public Builder suffix(String suffix) {
            this.suffix = suffix;
            return this;
        }

        public Builder includeLetters(boolean includeLetters) {
            this.includeLetters = includeLetters;
            return this;
        }

        public Builder includeDigits(boolean includeDigits) {
            this.includeDigits = includeDigits;
            return this;
        }

        public Builder includeSpecial(boolean includeSpecial) {
            this.includeSpecial = includeSpecial;
            return this;
        }

        public Builder excludeAmbiguous(boolean excludeAmbiguous) {
            this.excludeAmbiguous = excludeAmbiguous;
            return this;
        }

        public Builder check(CodeCheck check) {
            this.check = check;
            return this;
        }

        public Builder macLength(int macLength) {
            this.macLength = macLength;
            return this;
        }

        public GenerationRules build() {
            return new GenerationRules(codeLength, prefix, suffix, includeLetters, includeDigits, includeSpecial, excludeAmbiguous, check, macLength);
        }
    }
}
