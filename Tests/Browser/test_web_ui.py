"""The web UI in a real browser: Chromium, driven by Selenium, against a real `auris serve`."""
import base64
import io
import os
import unittest
import zipfile

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from browser import CLIPS, Server, chromium


class WebUITests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        # The microphone plays the 32 s story clip, for the live recognition test.
        cls.browser = chromium(microphone=os.path.join(CLIPS, "en-mixed_story_32s.wav"))

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.stop()

    def open(self, page):
        url = f"{self.server.base}/#/{page}"
        again = self.browser.current_url == url
        self.browser.get(url)
        if again:  # the same address with only a hash is not loaded again: a fresh page each test
            self.browser.refresh()
        return WebDriverWait(self.browser, 60)

    def test_upload_and_transcribe_a_clip(self):
        wait = self.open("recognize")
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#recognize-model option"))
        # One serving device: it is named, and the job is not pinned to it.
        devices = self.browser.find_elements(By.CSS_SELECTOR, "#recognize-device option")
        self.assertEqual([(o.text, o.get_attribute("value")) for o in devices], [("cpu", "")])
        self.browser.find_element(By.ID, "recognize-file").send_keys(os.path.join(CLIPS, "en-us_hello.wav"))
        self.browser.find_element(By.ID, "recognize-start").click()
        text = wait.until(seen.visibility_of_element_located((By.ID, "result-text"))).text
        self.assertEqual(text, "The law and welcome to the Oris speech recognition test.")
        rows = self.browser.find_elements(By.CSS_SELECTOR, "#result-segments tbody tr")
        self.assertEqual(len(rows), 1)
        self.assertIn("3.2 s", rows[0].text)
        links = [a.get_attribute("href") for a in self.browser.find_elements(By.CSS_SELECTOR, "#recognize-result a")]
        self.assertTrue(any(link.endswith("format=srt") for link in links), links)

    def test_hotwords_and_word_timestamps(self):
        wait = self.open("recognize")
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#recognize-model option"))
        self.browser.find_element(By.ID, "recognize-file").send_keys(os.path.join(CLIPS, "en-us_hello.wav"))
        self.browser.find_element(By.ID, "recognize-hotwords").send_keys("Auris")
        self.browser.find_element(By.ID, "recognize-words").click()
        self.browser.find_element(By.ID, "recognize-start").click()
        text = wait.until(seen.visibility_of_element_located((By.ID, "result-text"))).text
        self.assertEqual(text, "Hello and welcome to the Auris speech recognition test.")
        words = self.browser.find_elements(By.CSS_SELECTOR, "#result-segments .word")
        self.assertEqual(len(words), 9)
        self.assertRegex(words[0].get_attribute("title"), r"^\d+\.\d s – \d+\.\d s$")

    def test_skip_silence(self):
        # The padded clip's sentence starts 1.6 s in; with voice activity detection its segment
        # does too (without it, the window's first segment starts at 0).
        wait = self.open("recognize")
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#recognize-model option"))
        self.browser.find_element(By.ID, "recognize-file").send_keys(os.path.join(CLIPS, "en-us_padded.wav"))
        self.browser.find_element(By.ID, "recognize-vad").click()
        self.browser.find_element(By.ID, "recognize-start").click()
        text = wait.until(seen.visibility_of_element_located((By.ID, "result-text"))).text
        self.assertEqual(text, "This sentence has long silences before and after it.")
        first = self.browser.find_element(By.CSS_SELECTOR, "#result-segments tbody tr td")
        self.assertTrue(first.text.startswith("1.6"), first.text)

    def test_live_recognition_from_the_microphone(self):
        # Chromium's fake microphone plays the story; its words appear on the page as they are
        # heard, and stopping leaves the finals there and the stream in History.
        wait = self.open("recognize")
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#recognize-model option"))
        self.browser.find_element(By.ID, "live-start").click()
        wait.until(lambda b: "Listening" in b.find_element(By.ID, "live-status").text)
        wait.until(lambda b: "upon a time" in b.find_element(By.ID, "live-text").text.lower())
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#live-text .final"))
        self.browser.find_element(By.ID, "live-start").click()
        wait.until(lambda b: "Done" in b.find_element(By.ID, "live-status").text)
        finals = " ".join(e.text for e in self.browser.find_elements(By.CSS_SELECTOR, "#live-text .final")).lower()
        self.assertIn("once upon a time", finals)
        history = self.server.api("GET", "/api/history?q=upon")
        self.assertTrue(any(item["file_name"] == "live stream" for item in history["items"]), history)

    def test_clear_cache_updates_the_page_without_loading_it_and_is_audited(self):
        self.server.transcribe("en-us_hello.wav")  # something in the cache to release
        wait = self.open("system")
        wait.until(seen.element_to_be_clickable((By.ID, "clear-cache")))
        self.assertIn("CPU", self.browser.find_element(By.ID, "clear-cache").text)
        wait.until(lambda b: "frees about" in b.find_element(By.ID, "clear-cache").text)
        self.assertNotIn("frees about 0 B", self.browser.find_element(By.ID, "clear-cache").text, "the job left a cache to release")
        self.assertIn("CUDA is not available", self.browser.find_element(By.ID, "cuda-status").text)
        # The stacked bar: the model's weights and the cache, adding up to what the server reports.
        stack = self.browser.find_element(By.CSS_SELECTOR, "#breakdown .breakdown[data-device='cpu'] .stack")
        parts = {part.get_attribute("data-kind"): int(part.get_attribute("data-bytes"))
                 for part in stack.find_elements(By.CSS_SELECTOR, ".part")}
        self.assertEqual(set(parts), {"weights", "cached"}, parts)
        reserved = next(d for d in self.server.api("GET", "/api/system/memory")["devices"] if d["device"] == "cpu")["reserved_bytes"]
        self.assertEqual(sum(parts.values()), reserved)
        self.assertIn("weights of whisper-tiny.en", stack.get_attribute("aria-label"))
        self.browser.execute_script("window.__probe = 'same page'")
        url = self.browser.current_url
        self.browser.find_element(By.ID, "clear-cache").click()
        chart = wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, "#clear-result .chart")))
        bars = {rect.get_attribute("data-name"): int(rect.get_attribute("data-bytes"))
                for rect in chart.find_elements(By.CSS_SELECTOR, "rect")}
        self.assertLess(bars["reserved after"], bars["reserved before"], bars)
        self.assertEqual(bars["allocated after"], bars["allocated before"], bars)
        self.assertIn("released", chart.text)
        self.assertRegex(self.browser.find_element(By.ID, "clear-duration").text, r"^\d+\.\d\d ms$")
        wait.until(lambda b: "frees about 0" in b.find_element(By.ID, "clear-cache").text)
        # No page load: the same document (the probe survives), one navigation entry, same address.
        self.assertEqual(self.browser.execute_script("return window.__probe"), "same page")
        self.assertEqual(self.browser.execute_script("return performance.getEntriesByType('navigation').length"), 1)
        self.assertEqual(self.browser.current_url, url)
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#audit-log tr[data-action='memory.clear_cache']"))
        row = self.browser.find_element(By.CSS_SELECTOR, "#audit-log tr[data-action='memory.clear_cache']")
        self.assertIn("127.0.0.1", row.text)
        self.assertIn("→", row.text)

    def test_the_workers_card_has_this_server_clear_its_device(self):
        self.server.transcribe("en-us_hello.wav")
        wait = self.open("system")
        row = "#fleet tr[data-device='cpu']"
        wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, row)))
        self.assertIn("(this one)", self.browser.find_element(By.CSS_SELECTOR, row).text)

        def click_clear(browser):   # the list is drawn again every 5 s: find the button afresh
            try:
                browser.find_element(By.CSS_SELECTOR, row).find_element(By.XPATH, ".//button[text()='Clear cache']").click()
                return True
            except StaleElementReferenceException:
                return False
        wait.until(click_clear)
        chart = wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, "#fleet-result .chart")))
        self.assertIn("released", chart.text)
        self.assertRegex(self.browser.find_element(By.ID, "fleet-result").text, r"cleared cpu \(audit entry \d+\)")

    def test_a_threshold_warning_shows_the_banner(self):
        self.server.transcribe("en-us_hello.wav")  # a model and its working memory are resident
        try:
            wait = self.open("system")
            wait.until(seen.element_to_be_clickable((By.ID, "clear-cache")))
            self.assertFalse(self.browser.find_element(By.ID, "banner").is_displayed())
            self.server.api("PUT", "/api/system/policies", {"warning_fraction": 0.001, "cleanup_on_threshold": False})
            banner = WebDriverWait(self.browser, 30).until(seen.visibility_of_element_located((By.ID, "banner")))
            self.assertIn("Memory warning on cpu", banner.text)
            self.assertTrue(banner.find_elements(By.TAG_NAME, "button"), "the suggested action is a button")
        finally:
            self.server.api("PUT", "/api/system/policies", {"warning_fraction": 0.8, "cleanup_on_threshold": True})
        WebDriverWait(self.browser, 30).until(seen.invisibility_of_element_located((By.ID, "banner")))

    def test_a_bad_cron_expression_gets_a_validation_message(self):
        wait = self.open("system")
        field = wait.until(seen.visibility_of_element_located((By.ID, "policy-cleanup_schedule")))
        field.clear()
        field.send_keys("61 * * * *")
        self.browser.find_element(By.ID, "policy-save").click()
        message = wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, "#policy-message.error")))
        self.assertIn("minute", message.text)
        self.assertEqual(field.get_attribute("aria-invalid"), "true", "the field the server names is marked")
        self.assertIsNone(self.server.api("GET", "/api/system/policies")["cleanup_schedule"], "nothing was saved")

    def test_batch_history_and_models_pages(self):
        wait = self.open("batch")
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#batch-model option"))
        files = self.browser.find_element(By.ID, "batch-files")
        files.send_keys("\n".join(os.path.join(CLIPS, name) for name in ["en-us_hello.wav", "en-us_numbers.wav"]))
        self.browser.find_element(By.ID, "batch-start").click()
        # The page puts the batch in the address once it is accepted, which renders it afresh: an
        # element found just before that goes stale, and is looked up again.
        WebDriverWait(self.browser, 120, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda b: "2 done" in b.find_element(By.ID, "batch-status").text)
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, "#batch-table tr[data-state='done']")), 2)
        # The zip the page builds for "Download all" opens with Python's zipfile, byte for byte.
        archive = self.browser.execute_async_script("""
            const done = arguments[arguments.length - 1];
            import("/zip.js").then(async ({ zip }) => {
              const bytes = new Uint8Array(await zip([{ name: "a.txt", text: "héllo\\n" }, { name: "b.srt", text: "1\\n" }]).arrayBuffer());
              done(btoa(String.fromCharCode(...bytes)));
            });""")
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(archive))) as opened:
            self.assertIsNone(opened.testzip())
            self.assertEqual(opened.namelist(), ["a.txt", "b.srt"])
            self.assertEqual(opened.read("a.txt").decode(), "héllo\n")
        wait = self.open("history")
        search = wait.until(seen.visibility_of_element_located((By.ID, "history-search")))
        search.send_keys("welcome")
        wait.until(lambda b: "welcome" in b.find_element(By.ID, "history-list").text.lower()
                   and "numbers" not in b.find_element(By.ID, "history-list").text)
        # Each job shows the memory it was charged, and its page says it in words.
        cell = self.browser.find_element(By.CSS_SELECTOR, "#history-list td.job-memory")
        self.assertRegex(cell.text, r"^\+\d+(\.\d+)? (KiB|MiB)$")
        self.assertIn("left in the cache", cell.get_attribute("title"))
        self.browser.find_element(By.CSS_SELECTOR, "#history-list td a").click()
        detail = wait.until(seen.visibility_of_element_located((By.ID, "job-memory")))
        self.assertIn("above the loaded models", detail.text)
        wait = self.open("models")
        row = wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, "#models-table tr[data-model='whisper-tiny.en']")))
        self.assertIn("loaded", row.text)
        self.assertIn("MiB", row.text)
        # Sleep sends the weights to host memory; Wake brings them back and says how long it took.
        row.find_element(By.CSS_SELECTOR, "button[aria-label='Sleep whisper-tiny.en']").click()
        asleep = "#models-table tr[data-model='whisper-tiny.en']"
        wait.until(lambda b: "asleep" in b.find_element(By.CSS_SELECTOR, asleep).text
                   and "in host memory" in b.find_element(By.CSS_SELECTOR, asleep).text)
        self.assertTrue(self.server.api("GET", "/api/models")["models"][0]["sleeping"])
        self.browser.find_element(By.CSS_SELECTOR, "button[aria-label='Wake whisper-tiny.en']").click()
        wait.until(lambda b: "woke in" in b.find_element(By.CSS_SELECTOR, asleep).text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
