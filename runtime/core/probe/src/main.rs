//! Links everything a firmware uses — verify, load, push events and states, advance time,
//! emit — into a bare-metal binary without an allocator, so its `.text` is the runtime's
//! real code size.

#![no_std]
#![no_main]

use core::hint::black_box;

use glass_runtime::runtime::{Host, Origin, Runtime, Value};
use glass_runtime::{Program, verify};

struct Device(u32);

impl Host for Device {
    fn emit(&mut self, action: u16, args: &[Value], origin: Origin) {
        self.0 =
            self.0.wrapping_add(u32::from(action)).wrapping_add(args.len() as u32).wrapping_add(origin.rule as u32);
        black_box(args);
    }

    fn read_state(&mut self, slot: u16) -> Option<i64> {
        black_box(Some(i64::from(slot)))
    }
}

/// The program would come from flash; `black_box` keeps the compiler from knowing it.
static PROGRAM: [u8; 512] = [0; 512];

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let bytes: &[u8] = black_box(&PROGRAM[..]);
    let mut device = Device(0);
    if let Ok(program) = verify(bytes) {
        let program: Program<'_> = program;
        if let Ok(mut rt) = Runtime::<'_, 16, 16, 16, 64>::new(&program, 0) {
            let mut now = 0u64;
            loop {
                let _ = rt.push_event(black_box(0), black_box(&[1, 2]));
                let _ = rt.set_state(black_box(0), black_box(1));
                let _ = rt.sync_states(&mut device);
                now = now.wrapping_add(black_box(10));
                rt.advance_to(now, &mut device);
                black_box(rt.counters());
            }
        }
    }
    loop {
        black_box(device.0);
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
