/* Sandbox ("pause") process for the e2e cluster's pods: sleeps until SIGINT/SIGTERM, reaps zombies. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void sigdown(int signo) { (void)signo; _exit(0); }
static void sigreap(int signo) { (void)signo; while (waitpid(-1, NULL, WNOHANG) > 0) {} }

int main(void) {
  struct sigaction down = {0}, reap = {0};
  down.sa_handler = sigdown;
  reap.sa_handler = sigreap;
  reap.sa_flags = SA_NOCLDSTOP;
  if (sigaction(SIGINT, &down, NULL) < 0 || sigaction(SIGTERM, &down, NULL) < 0 ||
      sigaction(SIGCHLD, &reap, NULL) < 0) {
    perror("sigaction");
    return 1;
  }
  for (;;) pause();
}
