package dev.internvl.spring.web;

import java.io.IOException;

/** Reading a request body went past the configured limit. */
public class RequestTooLargeException extends IOException {

    private final long limit;

    public RequestTooLargeException(long limit) {
        super("The request body is larger than " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
