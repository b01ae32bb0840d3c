package dev.dnnrun.accel;

/** A backend's answer for one operator: yes, or no with the reason shown by {@code dnnrun --explain}. */
public record Support(boolean supported, String reason) {
    private static final Support YES = new Support(true, "");

    public static Support yes() {
        return YES;
    }

    public static Support no(String reason) {
        return new Support(false, reason);
    }
}
