// The tab's title: the unread count across conversations in front of the app's name, so a background tab tells.
import * as store from "../state.js";

const NAME = "ServerlessChat";

export function mountTitle() {
  const render = () => {
    const unread = store.conversations().reduce((sum, c) => sum + (c.unread || 0), 0);
    const title = unread ? `(${unread}) ${NAME}` : NAME;
    if (document.title !== title) document.title = title;
  };
  store.subscribe("conversations", render);
  store.subscribe("me", render);
}
