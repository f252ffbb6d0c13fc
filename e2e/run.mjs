// Browser tests of jianguan's main flows, in Debian's headless Chromium.
//
// Starts `jianguan demo` on a fresh data folder, then, at desktop and phone
// sizes, opens the public portal, signs in as every demo role, checks each
// home page, a failed sign-in, an admin form, sign-out, and that no request
// leaves the server (the product must run offline). Screenshots go to
// target/e2e/ for people to look at.
//
// Env: JIANGUAN_BIN (default target/debug/jianguan), CHROMIUM (default
// /usr/bin/chromium), E2E_PORT (default 18181).
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = process.env.JIANGUAN_BIN || join(root, "target/debug/jianguan");
const port = process.env.E2E_PORT || "18181";
const base = `http://127.0.0.1:${port}`;
const shots = join(root, "target/e2e");
const password = "Demo#Pass2026";
const photo = join(root, "crates/jianguan/tests/fixtures/photo-exif.jpg");
mkdirSync(shots, { recursive: true });

const data = mkdtempSync(join(tmpdir(), "jianguan-e2e-"));
const server = spawn(bin, ["demo", "--data-dir", data, "--listen", `127.0.0.1:${port}`, "--demo-password", password, "--entities", "3000"], {
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, JIANGUAN_LOG: "warn" },
});
let serverOut = "";
server.stdout.on("data", (d) => (serverOut += d));
server.stderr.on("data", (d) => (serverOut += d));

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not start:\n${serverOut}`);
}

const viewports = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

const homes = {
  admin: "审计日志与完整性校验",
  deptadmin: "账号管理",
  inspector: "我的检查任务",
  inspector2: "我的检查任务",
  reviewer: "待法制审核",
  leader: "管辖范围内的部门",
  enterprise: "91420102MA4K2B8Q7G",
};


let failures = 0;
async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${e.stack || e}`);
  }
}

async function signIn(page, username, pass = password) {
  await page.goto(`${base}/login`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', pass);
  await Promise.all([page.waitForEvent("load"), page.click('button[type="submit"]')]);
}

async function main() {
  await waitForServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    for (const [size, opts] of Object.entries(viewports)) {
      const context = await browser.newContext({ ...opts, locale: "zh-CN" });
      const page = await context.newPage();
      const outside = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith("data:")) outside.push(r.url());
      });
      const consoleErrors = [];
      page.on("pageerror", (e) => consoleErrors.push(String(e)));

      await step(`${size}: public portal`, async () => {
        await page.goto(`${base}/`);
        assert.match(await page.textContent("h1"), /信息公开/);
        await page.screenshot({ path: join(shots, `${size}-portal.png`), fullPage: true });
      });
      await step(`${size}: login page`, async () => {
        await page.goto(`${base}/login`);
        assert.equal(await page.getAttribute('input[name="password"]', "type"), "password");
        await page.screenshot({ path: join(shots, `${size}-login.png`), fullPage: true });
      });
      await step(`${size}: wrong password is refused in Chinese`, async () => {
        await signIn(page, "leader", "Wrong#Pass1");
        assert.match(await page.textContent(".alert.error"), /用户名或密码错误/);
        await page.screenshot({ path: join(shots, `${size}-login-error.png`), fullPage: true });
      });
      for (const [user, text] of Object.entries(homes)) {
        await step(`${size}: ${user} signs in and sees its home`, async () => {
          await context.clearCookies();
          await signIn(page, user);
          assert.equal(new URL(page.url()).pathname, "/home");
          assert.ok((await page.content()).includes(text), `home of ${user} lacks ${text}`);
          if (user === "admin" || user === "inspector") {
            await page.screenshot({ path: join(shots, `${size}-home-${user}.png`), fullPage: true });
          }
        });
      }
      await step(`${size}: admin creates an account through the form`, async () => {
        await context.clearCookies();
        await signIn(page, "admin");
        await page.goto(`${base}/admin/users`);
        await page.fill('input[name="username"]', `e2e_${size}`);
        await page.fill('input[name="display_name"]', "测试执法人员");
        await page.selectOption('select[name="role"]', "inspector");
        await page.selectOption('select[name="department_code"]', "420102-SCJG");
        await page.fill('input[name="cert_no"]', "42010220269999");
        await page.fill('input[name="cert_valid_until"]', "2029-12-31");
        await page.fill('input[name="password"]', "E2e#Password1");
        await Promise.all([page.waitForEvent("load"), page.click('form.card button[type="submit"]')]);
        assert.ok((await page.content()).includes(`e2e_${size}`), "new account listed");
        await page.screenshot({ path: join(shots, `${size}-admin-users.png`), fullPage: true });
      });
      await step(`${size}: admin searches the registry and opens an entity`, async () => {
        await page.goto(`${base}/registry/entities`);
        assert.match(await page.textContent("main"), /共\s*\d+\s*户/);
        await page.fill('input[name="q"]', "示范餐饮");
        await Promise.all([page.waitForEvent("load"), page.click('form.card button[type="submit"]')]);
        assert.ok((await page.content()).includes("武汉江岸示范餐饮有限公司"));
        await page.screenshot({ path: join(shots, `${size}-registry-search.png`), fullPage: true });
        await Promise.all([page.waitForEvent("load"), page.click("text=武汉江岸示范餐饮有限公司")]);
        assert.ok((await page.content()).includes("监管信息链"));
        assert.ok((await page.content()).includes("食品经营许可证"));
        await page.screenshot({ path: join(shots, `${size}-registry-entity.png`), fullPage: true });
      });
      await step(`${size}: a city filter narrows the list`, async () => {
        await page.goto(`${base}/registry/entities`);
        const all = Number((await page.textContent("main")).match(/共\s*(\d+)\s*户/)[1]);
        await page.selectOption('select[name="division"]', "420500");
        await Promise.all([page.waitForEvent("load"), page.click('form.card button[type="submit"]')]);
        const yichang = Number((await page.textContent("main")).match(/共\s*(\d+)\s*户/)[1]);
        assert.ok(yichang > 0 && yichang < all, `${yichang} of ${all}`);
      });
      await step(`${size}: the public reads the published catalog`, async () => {
        await context.clearCookies();
        await page.goto(`${base}/portal/catalog`);
        const text = await page.textContent("main");
        assert.ok(text.includes("SJ-SP-004") && text.includes("《中华人民共和国食品安全法》"), "catalog with legal bases");
        assert.ok(!text.includes("SJ-GG-004"), "drafts are not public");
        await page.screenshot({ path: join(shots, `${size}-portal-catalog.png`), fullPage: true });
        await Promise.all([page.waitForEvent("load"), page.click("text=公众聚集场所电梯使用单位监督检查")]);
        assert.ok((await page.content()).includes("检查要点"));
        await page.screenshot({ path: join(shots, `${size}-portal-item.png`), fullPage: true });
      });
      await step(`${size}: an inspector scans the QR code, checks in, fills the checklist with a photo and signs`, async () => {
        await context.clearCookies();
        await signIn(page, "inspector");
        await page.goto(`${base}/entities/91420102MA4K2B8Q7G/qr`);
        assert.ok(await page.isVisible(".poster svg"), "poster shows the code");
        await page.screenshot({ path: join(shots, `${size}-qr-poster.png`), fullPage: true });
        const png = await (await page.context().request.get(`${base}/entities/91420102MA4K2B8Q7G/qr.png`)).body();
        assert.ok(png.length > 500, "PNG served");
        // The scan: open the address the code carries.
        const scanned = await page.getAttribute("a.qr-url", "href");
        await page.goto(scanned);
        assert.match(new URL(page.url()).search, /scanned=1/);
        await page.screenshot({ path: join(shots, `${size}-scan-checkin.png`), fullPage: true });
        await Promise.all([page.waitForURL(/checkin=/), page.click("form[data-geo] button")]);
        assert.match(await page.textContent(".alert.ok"), /已现场签到/);
        // Only the items the catalog allows at this entity are offered.
        const offered = await page.$$eval('input[name="items"]', (xs) => xs.map((x) => x.value));
        assert.ok(offered.includes("SJ-SP-004") && !offered.includes("SJ-SP-001"), offered.join());
        await page.screenshot({ path: join(shots, `${size}-inspection-items.png`), fullPage: true });
        await page.check('input[name="items"][value="SJ-SP-004"]');
        await Promise.all([page.waitForEvent("load"), page.click('form.card.stack button[type="submit"]')]);
        // The checklist of the item's version, point by point.
        for (const n of [1, 2, 3, 6]) await page.check(`input[name="pass.SJ-SP-004.${n}"][value="1"]`);
        await page.fill('input[name="value.SJ-SP-004.4"]', "4.5");
        await page.fill('input[name="value.SJ-SP-004.5"]', "96");
        await page.setInputFiles('input[name="photo.SJ-SP-004.7"]', photo);
        await page.fill('input[name="team"]', "inspector");
        await page.check('input[name="sign"]');
        await page.screenshot({ path: join(shots, `${size}-checklist.png`), fullPage: true });
        await Promise.all([page.waitForEvent("load"), page.click('form.inspection-form button[type="submit"]')]);
        // Refused: one inspector, and 96 ℃ is below the disinfection limit
        // while the conclusion says no problem. Nothing is lost.
        assert.match(await page.textContent(".alert.error"), /2名以上执法人员/);
        assert.equal(await page.inputValue('input[name="value.SJ-SP-004.4"]'), "4.5");
        assert.match(await page.textContent("main"), /已收到照片 1 张/);
        await page.screenshot({ path: join(shots, `${size}-inspection-refused.png`), fullPage: true });
        await page.fill('input[name="team"]', "inspector，inspector2");
        await page.check('input[name="sign"]');
        await Promise.all([page.waitForEvent("load"), page.click('form.inspection-form button[type="submit"]')]);
        assert.match(await page.textContent(".alert.error"), /不符合/);
        await page.selectOption('select[name="outcome"]', "rectify");
        const due = new Date(Date.now() + 14 * 86400e3).toISOString().slice(0, 10);
        await page.fill('input[name="rectify_by"]', due);
        await page.check('input[name="sign"]');
        await Promise.all([page.waitForURL(/\/inspections\/\d+(\?signed=1)?$/), page.click('form.inspection-form button[type="submit"]')]);
        const record = await page.textContent("main");
        assert.match(record, /发现问题，责令整改/);
        assert.match(record, /拍摄于 2026-11-24 10:15/, "the photo's EXIF time is kept");
        assert.ok(await page.isVisible("figure.evidence img"), "the photo is shown");
        await page.screenshot({ path: join(shots, `${size}-inspection-signed.png`), fullPage: true });
        // A forged code is refused.
        // (Change the signature's first character, whatever it is.)
        const r = await page.goto(scanned.replace(/s=(.)/, (_, c) => "s=" + (c === "A" ? "B" : "A")));
        assert.equal(r.status(), 422);
      });
      await step(`${size}: a half-filled form survives a reload and is sent when the network returns`, async () => {
        const form = `${base}/inspections/new?uscc=91420102MA4K2B8Q7G&items=SJ-JG-001`;
        await page.goto(form);
        await page.check('input[name="pass.SJ-JG-001.1"][value="1"]');
        await page.fill('textarea[name="notes"]', "网络不稳定时填写");
        await page.reload();
        assert.match(await page.textContent("[data-draft-status]"), /已恢复本机保存的草稿/);
        assert.ok(await page.isChecked('input[name="pass.SJ-JG-001.1"][value="1"]'));
        assert.equal(await page.inputValue('textarea[name="notes"]'), "网络不稳定时填写");
        for (const n of [2, 3]) await page.check(`input[name="pass.SJ-JG-001.${n}"][value="1"]`);
        await page.fill('input[name="value.SJ-JG-001.4"]', "0");
        await page.setInputFiles('input[name="photo.SJ-JG-001.5"]', photo);
        await page.selectOption('select[name="method"]', "remote");
        await page.check('input[name="sign"]');
        await context.setOffline(true);
        await page.click('form.inspection-form button[type="submit"]');
        await page.waitForSelector("text=网络已断开");
        await page.screenshot({ path: join(shots, `${size}-offline-kept.png`), fullPage: true });
        await Promise.all([page.waitForURL(/\/inspections\/\d+(\?signed=1)?$/, { timeout: 15000 }), context.setOffline(false)]);
        assert.match(await page.textContent("main"), /网络不稳定时填写/);
        const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("jianguan-draft:")));
        assert.deepEqual(left.filter((k) => k.includes("SJ-JG-001")), [], "the signed draft is forgotten");
      });
      await step(`${size}: the enterprise confirms and rates the visit and reads its receipt`, async () => {
        await context.clearCookies();
        await signIn(page, "enterprise");
        await page.goto(`${base}/enterprise/inspections`);
        const forms = await page.$$("form[action$='/confirm']");
        assert.ok(forms.length > 0, "a visit to confirm");
        await page.selectOption("form[action$='/confirm'] select[name=rating]", "4");
        await Promise.all([page.waitForEvent("load"), page.click("form[action$='/confirm'] button")]);
        assert.match(await page.textContent("main"), /已确认/);
        await page.screenshot({ path: join(shots, `${size}-enterprise-visits.png`), fullPage: true });
        await Promise.all([page.waitForEvent("load"), page.click("text=查看回执")]);
        assert.match(await page.textContent("main"), /审计哈希/);
        assert.match(await page.textContent("main"), /检查表/);
        await page.screenshot({ path: join(shots, `${size}-receipt.png`), fullPage: true });
      });
      await step(`${size}: a lead is registered, refused with one officer, filed with two and closed`, async () => {
        await context.clearCookies();
        await signIn(page, "inspector");
        await page.goto(`${base}/enforcement`);
        // The demo's complaint nobody decided on is past its 15 working days.
        assert.match(await page.textContent("#leads"), /已超期/);
        await page.fill('input[name="uscc"]', "91420102MA4K2B8Q7G");
        await page.selectOption('select[name="source"]', "report");
        await page.fill('textarea[name="summary"]', `举报后厨卫生问题（${size}）`);
        await Promise.all([page.waitForEvent("load"), page.click('form.card button[type="submit"]')]);
        assert.match(await page.textContent("h1"), /待核查/);
        const leadUrl = page.url();
        assert.equal(await page.isVisible("#file-form"), false, "an inspector takes no head's decision");
        await context.clearCookies();
        // The district bureau's own head decides (not the city's administrator).
        await signIn(page, "jiangan_head");
        await page.goto(leadUrl);
        await page.fill('#file-form input[name="cause"]', "涉嫌违反食品安全法第三十三条");
        await page.fill('#file-form input[name="officers"]', "inspector");
        await Promise.all([page.waitForEvent("load"), page.click('#file-form button[type="submit"]')]);
        assert.match(await page.textContent(".alert.error"), /两名以上/);
        assert.equal(await page.inputValue('#file-form input[name="cause"]'), "涉嫌违反食品安全法第三十三条");
        await page.screenshot({ path: join(shots, `${size}-lead-refused.png`), fullPage: true });
        await page.fill('#file-form input[name="officers"]', "inspector、inspector2");
        await Promise.all([page.waitForEvent("load"), page.click('#file-form button[type="submit"]')]);
        assert.match(await page.textContent("h1"), /420102-SCJG立〔\d{4}〕\d+号/);
        assert.match(await page.textContent("main"), /校验通过/);
        await page.screenshot({ path: join(shots, `${size}-case.png`), fullPage: true });
        await page.selectOption('#close-form select[name="ground"]', "no_penalty");
        await page.fill('#close-form textarea[name="note"]', "首违不罚，已对当事人进行教育");
        await Promise.all([page.waitForEvent("load"), page.click('#close-form button[type="submit"]')]);
        assert.match(await page.textContent("main"), /已结案/);
        await page.goto(`${base}/enforcement`);
        await page.screenshot({ path: join(shots, `${size}-enforcement.png`), fullPage: true });
      });
      await step(`${size}: a leader reads plan progress and key-list coverage as charts`, async () => {
        await context.clearCookies();
        await signIn(page, "leader");
        await page.goto(`${base}/plans`);
        await Promise.all([page.waitForEvent("load"), page.click("text=江岸区市场监督管理局年度双随机抽查工作计划")]);
        await page.waitForSelector(".chart svg", { timeout: 10000 });
        assert.match(await page.textContent("main"), /完成率/);
        await page.screenshot({ path: join(shots, `${size}-plan-progress.png`), fullPage: true });
        await page.goto(`${base}/key-list`);
        await page.waitForSelector(".chart svg", { timeout: 10000 });
        assert.match(await page.textContent("main"), /本期尚未检查的主体/);
        await page.screenshot({ path: join(shots, `${size}-key-list.png`), fullPage: true });
      });
      await step(`${size}: a draw is verifiable: committed task, joint result with its bundle`, async () => {
        await context.clearCookies();
        await page.goto(`${base}/portal/draws`);
        assert.match(await page.textContent("main"), /已公示承诺，待抽取/);
        await page.screenshot({ path: join(shots, `${size}-portal-draws.png`), fullPage: true });
        await Promise.all([page.waitForEvent("load"), page.click("text=联合双随机抽查")]);
        assert.match(await page.textContent("main"), /公开的种子/);
        assert.match(await page.textContent("main"), /抽取结果/);
        await page.screenshot({ path: join(shots, `${size}-portal-draw.png`), fullPage: true });
        const bundle = await (await fetch(page.url().replace("/portal/draws/", "/api/v1/public/draws/") + "/bundle")).json();
        assert.equal(bundle.algorithm, "jianguan-draw/1");
        await signIn(page, "leader");
      });
      await step(`${size}: the phone menu opens`, async () => {
        if (size !== "phone") return;
        await page.goto(`${base}/home`);
        assert.equal(await page.isVisible("header.top nav"), false, "menu folded on a phone");
        await page.click("[data-nav-toggle]");
        assert.equal(await page.isVisible("header.top nav"), true, "menu opens");
        await page.screenshot({ path: join(shots, `${size}-menu.png`), fullPage: true });
      });
      await step(`${size}: sign-out ends the session`, async () => {
        await page.goto(`${base}/home`);
        if (size === "phone") await page.click("[data-nav-toggle]");
        await Promise.all([page.waitForEvent("load"), page.click('header.top form button[type="submit"]')]);
        const r = await page.goto(`${base}/home`);
        assert.equal(r.status(), 401);
        assert.ok(await page.isVisible('input[name="password"]'));
      });
      await step(`${size}: API docs load from the binary`, async () => {
        await page.goto(`${base}/api/docs`);
        await page.waitForSelector(".swagger-ui .info", { timeout: 15000 });
        await page.screenshot({ path: join(shots, `${size}-api-docs.png`) });
      });
      await step(`${size}: nothing was fetched from outside and no script failed`, async () => {
        assert.deepEqual(outside, []);
        assert.deepEqual(consoleErrors, []);
      });
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  failures++;
  console.log(`FAIL setup\n     ${e.stack || e}`);
} finally {
  server.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
}
console.log(failures ? `${failures} browser check(s) failed; screenshots in ${shots}` : `all browser checks passed; screenshots in ${shots}`);
process.exit(failures ? 1 : 0);
