package dev.dnnrun.language.accel;

import java.util.Locale;

/**
 * What happens when work placed on an accelerator cannot run there (option {@code dnn.Fallback}, {@code dnnrun
 * --fallback}): a segment its backend declines or fails, or a requested backend that is unavailable. {@code warn}
 * runs it on the CPU and logs one line, {@code quiet} runs it on the CPU silently, {@code error} fails with the
 * backend's reason. {@code --accel auto} measuring the CPU as fastest is a choice, not a fallback.
 */
public enum FallbackPolicy {
    WARN,
    QUIET,
    ERROR;

    /** The policy named {@code value} (warn, quiet or error, any case); throws IllegalArgumentException naming the choices. */
    public static FallbackPolicy parse(String value) {
        for (FallbackPolicy p : values()) {
            if (p.name().equalsIgnoreCase(value.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("expected warn, quiet or error, got '" + value + "'");
    }

    /** The end of an error under {@code error}: which policy failed it, and what the others would have done instead. */
    public static String errorNote(String instead) {
        return "(fallback policy 'error'; 'warn' or 'quiet' would run " + instead + ")";
    }

    /** The name as the option takes it. */
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
