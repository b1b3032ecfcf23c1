// /lapangan/daftar/ after the form: the device's token reaches the phone's encrypted store once
// (it is in this page only, which is never cached), then the app opens.
import { registerDevice } from "./app.js";

const box = document.getElementById("token-perangkat");
if (box) {
  registerDevice(box.dataset.token, Number(box.dataset.device), box.dataset.label, box.dataset.username)
    .then(() => {
      box.dataset.token = "";
      document.body.dataset.state = "registered";
      window.location.replace("/lapangan/");
    })
    .catch((e) => {
      document.getElementById("gagal").hidden = false;
      document.getElementById("gagal").textContent = String(e);
    });
}
