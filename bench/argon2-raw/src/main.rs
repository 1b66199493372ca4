//! `argon2-raw M T P THREADS SECONDS`: hash 44-character values with Argon2id(m, t, p) on
//! THREADS threads for SECONDS and print one JSON line with the hashes per second. Each hash
//! is a fresh `hash_password` call with a new salt and PHC encoding, like the server's
//! `crypto::hasher::hash_blocking`; nothing else (no HTTP, no database).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .map(|a| a.parse().expect("numeric argument"))
        .unwrap_or(default)
}

fn main() {
    let (m, t, p) = (arg(1, 19456) as u32, arg(2, 2) as u32, arg(3, 1) as u32);
    let threads = arg(4, 2) as usize;
    let seconds = arg(5, 5);
    let params = Params::new(m, t, p, None).expect("valid Argon2 parameters");
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|w| {
            let (stop, count, params) = (stop.clone(), count.clone(), params.clone());
            std::thread::spawn(move || {
                let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                let mut n: u64 = 0;
                while !stop.load(Ordering::Relaxed) {
                    let mut salt = [0u8; 16];
                    salt[..8].copy_from_slice(&(w as u64).to_le_bytes());
                    salt[8..].copy_from_slice(&n.to_le_bytes());
                    let salt = SaltString::encode_b64(&salt).expect("salt");
                    let value = format!("CS{:042}", n);
                    let phc = argon2
                        .hash_password(value.as_bytes(), &salt)
                        .expect("hash")
                        .to_string();
                    std::hint::black_box(phc);
                    n += 1;
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("worker");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let hashes = count.load(Ordering::Relaxed);
    println!(
        "{{\"m_kib\":{m},\"t\":{t},\"p\":{p},\"threads\":{threads},\"seconds\":{elapsed:.3},\
         \"hashes\":{hashes},\"hashes_per_s\":{:.2}}}",
        hashes as f64 / elapsed
    );
}
