use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    eiam_local::cli::run().await
}
