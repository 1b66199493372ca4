# syntax=docker/dockerfile:1
# eiam-local container image: a static-ish binary on a distroless base, running as non-root,
# data in /data (a volume). Build: docker build -t eiam-local .

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits don't rebuild them.
COPY Cargo.toml Cargo.lock build.rs ./
COPY migrations ./migrations
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY src ./src
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin eiam-local \
    && mkdir -p /out/data && cp target/release/eiam-local /out/eiam-local

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/eiam-local /usr/local/bin/eiam-local
COPY --from=build --chown=65532:65532 /out/data /data
COPY examples /app/examples
ENV EIAM_LISTEN=0.0.0.0:8080 \
    EIAM_DATABASE=/data/eiam.db
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
# No shell or curl in the image: the binary checks its own /healthz, at the address
# EIAM_LISTEN gives (0.0.0.0 -> 127.0.0.1), so changing the port keeps the check right.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/eiam-local", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/eiam-local"]
CMD ["serve"]
