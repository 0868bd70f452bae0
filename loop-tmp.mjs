import postgres from 'postgres';
process.on('unhandledRejection', (e) => console.log('UNHANDLED', e.code)); process.on('uncaughtException', (e) => console.log('UNCAUGHT', e.code));
const base = 'postgres://postgres:secret@127.0.0.1:55432/';
const admin = postgres(base + 'postgres', { max: 1, onnotice: () => {} });
const fetchTypes = process.argv[2] !== 'nofetch';
let hangs = 0;
for (let i = 0; i < 60; i++) {
  const name = `loop_t_${i}`;
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name}`);
  const c = postgres(base + name, { max: 1, fetch_types: fetchTypes, onnotice: () => {}, connect_timeout: 10 });
  const p = c`select 1`.then(() => 'ok', (e) => 'err ' + e.code);
  await new Promise((r) => setTimeout(r, Math.random() * 12));
  await admin.unsafe(`drop database ${name} with (force)`);
  const r = await Promise.race([p, new Promise((r) => setTimeout(() => r('HANG'), 4000))]);
  if (r === 'HANG') hangs++;
  c.end({ timeout: 0 }).catch(() => {});
}
console.log('fetch_types', fetchTypes, 'hangs', hangs, 'of 60');
await admin.end();
process.exit(0);
